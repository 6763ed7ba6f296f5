from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users and roles")

    def ready(self):
        from accounts.groups import ensure_after_migrate

        # Connected after django.contrib.auth's receiver (auth is earlier in
        # INSTALLED_APPS), so each app's permissions exist when this runs.
        post_migrate.connect(ensure_after_migrate, dispatch_uid="accounts.coordinator_group")
