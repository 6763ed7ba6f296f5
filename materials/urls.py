from django.urls import path

from materials import correction_views, distribution_views, handout_views, library_views, views

app_name = "materials"

urlpatterns = [
    # Catalogue (department staff): views.py
    path("materials/", views.catalogue, name="catalogue"),
    path("materials/new/", views.material_create, name="material-create"),
    path("materials/<int:pk>/", views.material_detail, name="material-detail"),
    path("materials/<int:pk>/edit/", views.material_edit, name="material-edit"),
    path("materials/<int:pk>/editions/new/", views.edition_create, name="edition-create"),
    path("materials/editions/<int:pk>/files/", views.files_add, name="files-add"),
    path("materials/export.zip", views.ministry_package, name="ministry-package"),
    # Corrections (edit, withdraw, restore): correction_views.py
    path("materials/editions/<int:pk>/edit/", correction_views.edition_edit, name="edition-edit"),
    path(
        "materials/editions/<int:pk>/withdraw/",
        correction_views.edition_withdraw,
        name="edition-withdraw",
    ),
    path(
        "materials/editions/<int:pk>/restore/",
        correction_views.edition_restore,
        name="edition-restore",
    ),
    path(
        "materials/files/<int:pk>/withdraw/", correction_views.file_withdraw, name="file-withdraw"
    ),
    path("materials/files/<int:pk>/restore/", correction_views.file_restore, name="file-restore"),
    path(
        "classes/<str:code>/materials/<int:pk>/withdraw/",
        correction_views.class_material_withdraw,
        name="class-material-withdraw",
    ),
    path(
        "classes/<str:code>/materials/<int:pk>/restore/",
        correction_views.class_material_restore,
        name="class-material-restore",
    ),
    # Materials of a class, hand-outs by list and receipt list: views.py
    path("classes/<str:code>/materials/", views.class_materials, name="class-materials"),
    path(
        "classes/<str:code>/materials/<int:pk>/",
        views.class_material_handovers,
        name="class-material",
    ),
    path(
        "classes/<str:code>/materials/<int:pk>/handovers/<int:enrollment>/undo/",
        views.handover_undo,
        name="handover-undo",
    ),
    path(
        "classes/<str:code>/materials/<int:pk>/receipts.pdf",
        views.class_material_receipts,
        name="class-material-receipts",
    ),
    # Hand-out by badge scan (the scanner in hand-out mode): handout_views.py
    path("scan/handout/<int:pk>/", handout_views.scanner, name="handout-scanner"),
    # (its API routes, materials:handout-roster and -batch, are config/api.py's)
    # Printed distribution: distribution_views.py
    path(
        "materials/editions/<int:pk>/distribution/",
        distribution_views.plan,
        name="distribution-plan",
    ),
    path(
        "materials/distribution/<int:pk>/dispatch/",
        distribution_views.dispatch_create,
        name="dispatch-create",
    ),
    path(
        "materials/dispatches/<int:pk>/receipt/",
        distribution_views.receipt,
        name="receipt",
    ),
    path(
        "materials/dispatches/<int:pk>/receipt-scan/",
        distribution_views.receipt_scan,
        name="receipt-scan",
    ),
    path("materials/outstanding/", distribution_views.outstanding, name="outstanding"),
    path("materials/totals/", distribution_views.totals, name="totals"),
    # Digital library (public materials need no login): library_views.py
    path("library/", library_views.library, name="library"),
    path("library/<int:pk>/", library_views.library_item, name="library-item"),
    path("library/files/<int:pk>/", library_views.file_download, name="file"),
]
