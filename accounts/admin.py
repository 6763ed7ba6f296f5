from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.forms import AdminLoginForm
from accounts.models import LoginThrottle, User

# The throttle is enforced by the authentication backend either way; this only gives the
# admin's login page the same "try again in N minutes" message as /login/.
admin.site.login_form = AdminLoginForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "role", "organisation", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "full_name", "email")
    autocomplete_fields = ("organisation",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Role"), {"fields": ("full_name", "role", "organisation")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Role"), {"fields": ("full_name", "role", "organisation")}),
    )


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Shows who is locked out; deleting a row lifts that lock-out early (for example for
    an official who mistyped and cannot wait). Rows are only written by the throttle."""

    list_display = ("scope", "key", "failures", "window_started_at", "locked_until")
    list_filter = ("scope",)
    search_fields = ("key",)
    readonly_fields = ("scope", "key", "failures", "window_started_at", "locked_until")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
