from django.urls import path

from evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("evaluation/templates/", views.template_list, name="template-list"),
    path("evaluation/templates/new/", views.template_create, name="template-create"),
    path("evaluation/templates/<int:pk>/", views.template_edit, name="template-edit"),
    path("evaluation/templates/<int:pk>/copy/", views.template_copy, name="template-copy"),
    path(
        "evaluation/templates/<int:pk>/sections/new/",
        views.section_create,
        name="section-create",
    ),
    path("evaluation/sections/<int:pk>/", views.section_edit, name="section-edit"),
    path("evaluation/sections/<int:pk>/delete/", views.section_delete, name="section-delete"),
    path("classes/<str:code>/evaluation/", views.class_evaluation, name="class"),
    path("classes/<str:code>/evaluation/open/", views.evaluation_open, name="open"),
    path("classes/<str:code>/evaluation/close/", views.evaluation_close, name="close"),
    path("classes/<str:code>/evaluation/reopen/", views.evaluation_reopen, name="reopen"),
    path("classes/<str:code>/evaluation/paper/", views.paper_reserve, name="paper-reserve"),
    path("classes/<str:code>/evaluation/paper/<int:pk>/", views.paper_pdf, name="paper-pdf"),
    path("classes/<str:code>/evaluation/enter/", views.paper_entry, name="paper-entry"),
    path("classes/<str:code>/evaluation/withdraw/", views.paper_withdraw, name="paper-withdraw"),
]
