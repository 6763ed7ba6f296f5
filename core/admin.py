"""Admin pieces the apps share. (``core`` is no Django app: nothing is registered here.)"""

from django.contrib import admin


class ReadOnlyMixin:
    """For a model admin or an inline whose rows are written only through the services
    (which check and audit): the admin shows them and nobody adds, changes or deletes
    them there, not even staff."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass
