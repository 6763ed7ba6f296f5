"""The register is written only through the services (numbers, audit); the admin shows it
read-only. Only the number format of a register may be edited here."""

from django.contrib import admin

from certificates.models import Certificate, CertificateBatch, CertificateSettings, RegisterSeries
from core.admin import ReadOnlyAdmin


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["register_number", "full_name", "class_title", "issued_on", "revoked_at"]
    list_filter = ["training_class", "issued_on"]
    search_fields = ["register_number", "full_name", "code"]


@admin.register(CertificateBatch)
class CertificateBatchAdmin(ReadOnlyAdmin):
    list_display = ["training_class", "created_at", "state", "done", "total", "certificates"]


@admin.register(CertificateSettings)
class CertificateSettingsAdmin(admin.ModelAdmin):
    list_display = ["training_class", "issuer", "signer_name"]


@admin.register(RegisterSeries)
class RegisterSeriesAdmin(admin.ModelAdmin):
    list_display = ["issuer", "year", "last_number", "number_format"]
    readonly_fields = ["issuer", "year", "last_number"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
