"""The language list is managed here; the rest is read-only (written through the pages
and services, which check files by content and keep the audit log)."""

from django.contrib import admin

from materials.models import Language, Material


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "sort_order"]
    list_editable = ["sort_order"]


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "year", "visibility"]
    list_filter = ["kind", "year", "visibility"]
    search_fields = ["title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
