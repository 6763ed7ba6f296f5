"""The language list is managed here; the rest is read-only (written through the pages
and services, which check files by content and keep the audit log). The material's
admin page shows its editions and files with their withdrawn state and links to the
page where the coordinator edits and withdraws them, so it never looks like the only
(refusing) place to correct the catalogue."""

from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.admin import ReadOnlyAdmin, ReadOnlyMixin
from materials.models import Edition, Language, Material, MaterialFile


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "sort_order"]
    list_editable = ["sort_order"]


class _ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


@admin.display(description=_("state"))
def _state(obj) -> str:
    if obj.withdrawn_at is None:
        return _("Current")
    return format_html(
        "<strong>{}</strong> {} — {}",
        pgettext_lazy("material", "Withdrawn"),
        obj.withdrawn_at.strftime("%d/%m/%Y"),
        obj.withdrawn_reason,
    )


class EditionInline(_ReadOnlyInline):
    model = Edition
    fields = ["label", "year", "printed_copies", _state]
    readonly_fields = fields


class MaterialFileInline(_ReadOnlyInline):
    model = MaterialFile
    fk_name = "edition"
    fields = ["original_name", "mime", "size", _state]
    readonly_fields = fields


@admin.register(Material)
class MaterialAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "year", "visibility", "editions_state", "in_app"]
    list_filter = ["kind", "year", "visibility"]
    search_fields = ["title"]
    inlines = [EditionInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_editions=Count("editions"),
                n_withdrawn=Count("editions", filter=Q(editions__withdrawn_at__isnull=False)),
            )
        )

    @admin.display(description=_("editions"))
    def editions_state(self, obj) -> str:
        if obj.n_withdrawn:
            return _("%(n)s (%(w)s withdrawn)") % {"n": obj.n_editions, "w": obj.n_withdrawn}
        return str(obj.n_editions)

    @admin.display(description=_("edit and withdraw"))
    def in_app(self, obj) -> str:
        url = reverse("materials:material-detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("On the material's page"))


@admin.register(Edition)
class EditionAdmin(ReadOnlyAdmin):
    """Read-only: editions and their files with their withdrawn state."""

    list_display = ["label", "material", "year", "printed_copies", _state]
    list_filter = [("withdrawn_at", admin.EmptyFieldListFilter), "year"]
    search_fields = ["label", "material__title"]
    inlines = [MaterialFileInline]
