from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from courses.models import (
    AuditLog,
    Organisation,
    ParticipantCategory,
    Plan,
    Quota,
    Session,
    Trainer,
    TrainingClass,
    Venue,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "kind",
        "parent",
        "valid_from",
        "valid_to",
        "can_nominate",
        "is_border",
        "is_region_iii",
    )
    list_filter = ("kind", "can_nominate", "is_border", "is_region_iii")
    search_fields = ("name", "code", "gso_code", "short_name")
    autocomplete_fields = ("parent",)


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ("name", "address", "organisation", "seats")
    search_fields = ("name", "address")
    autocomplete_fields = ("organisation",)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("title", "number", "year", "issued_by", "budget_vnd")
    list_filter = ("year",)
    search_fields = ("title", "number")
    autocomplete_fields = ("issued_by",)


@admin.register(ParticipantCategory)
class ParticipantCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_vi", "name_en")


@admin.register(Trainer)
class TrainerAdmin(admin.ModelAdmin):
    list_display = ("full_name", "title", "affiliation", "user")
    search_fields = ("full_name", "affiliation")
    autocomplete_fields = ("user",)

    def get_readonly_fields(self, request, obj=None):
        # Binding a login to a trainer is done on the accounts page (accounts.services),
        # which the coordinators' group uses; it holds no permission on users here.
        if request.user.has_perm("accounts.change_user"):
            return super().get_readonly_fields(request, obj)
        return ("user",)


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    autocomplete_fields = ("venue", "trainers")


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 0
    autocomplete_fields = ("organisation",)


@admin.register(TrainingClass)
class TrainingClassAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "start_date", "end_date", "capacity", "state")
    list_filter = ("state", "year")
    search_fields = ("code", "title")
    autocomplete_fields = ("venue", "organiser", "plan")
    inlines = [SessionInline, QuotaInline]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    """Read-only: the log is evidence, so nobody edits or deletes it, not even staff."""

    list_display = ("created_at", "actor", "action", "target_type", "target_repr")
    list_filter = ("action", "target_type")
    search_fields = ("target_repr", "action", "actor__username")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def get_actions(self, request):
        # No bulk actions at all (not only no "delete selected"): nothing may act on rows.
        return {}


admin.site.site_header = _("Training course management")
admin.site.site_title = _("Training course management")
