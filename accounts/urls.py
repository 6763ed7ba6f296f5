from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/", views.account_list, name="list"),
    path("accounts/new/", views.account_create, name="create"),
    path("accounts/<int:pk>/", views.account_edit, name="edit"),
    path("accounts/<int:pk>/disable/", views.account_disable, name="disable"),
    path("accounts/<int:pk>/enable/", views.account_enable, name="enable"),
]
