from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.vietnamese import clean_person_name


class Role(models.TextChoices):
    # The department (Sở TT&TT) staff who run the plan: everything.
    COORDINATOR = "coordinator", _("Department coordinator")
    # An officer of a nominating unit (district/commune UBND, department, press agency):
    # sees and nominates only that unit's people.
    NOMINATOR = "nominator", _("Unit nominator")
    # Teaches sessions; sees the classes they teach.
    TRAINER = "trainer", _("Trainer")
    # Read-only access to everything except sensitive personal data (e.g. the province).
    VIEWER = "viewer", _("Viewer")


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    organisation = models.ForeignKey(
        "courses.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Required for unit nominators: the unit whose people they manage."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.NOMINATOR) | Q(organisation__isnull=False),
                name="nominator_has_organisation",
                violation_error_message=_("A unit nominator must belong to an organisation."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        self.full_name = clean_person_name(self.full_name) if self.full_name else ""
        super().save(*args, **kwargs)

    # Superusers act as coordinators so that `createsuperuser` gives a working account.
    @property
    def is_coordinator(self) -> bool:
        return self.is_active and (self.is_superuser or self.role == Role.COORDINATOR)

    @property
    def is_nominator(self) -> bool:
        return self.is_active and self.role == Role.NOMINATOR and not self.is_superuser

    @property
    def is_trainer(self) -> bool:
        return self.is_active and self.role == Role.TRAINER and not self.is_superuser

    @property
    def is_viewer(self) -> bool:
        return self.is_active and self.role == Role.VIEWER and not self.is_superuser

    @property
    def can_view_all_classes(self) -> bool:
        return self.is_coordinator or self.is_viewer


class ThrottleScope(models.TextChoices):
    USERNAME = "username", _("username")
    ADDRESS = "address", _("client address")


class LoginThrottle(models.Model):
    """Failed log-ins for one username or one client address in the current window.

    In the database, not the cache: several server processes must see one count (a
    per-process cache would give an attacker LIMIT × processes tries). Rows are written only
    by `accounts.throttle`.
    """

    scope = models.CharField(_("scope"), max_length=10, choices=ThrottleScope.choices)
    key = models.CharField(_("username or address"), max_length=150)
    failures = models.PositiveIntegerField(_("failed attempts"), default=0)
    window_started_at = models.DateTimeField(_("first failure at"))
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("login throttle")
        verbose_name_plural = _("login throttles")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="login_throttle_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key}: {self.failures}"


class RateLimit(models.Model):
    """Uses of one action by one key (a user, a client address) in the current window.

    The general counterpart of `LoginThrottle` for actions that are not log-ins (public
    certificate checks, identity checks while nominating): in the database so that every
    server process counts against the same limit. Rows are written only by
    `accounts.throttle.rate_limit_hit`.
    """

    scope = models.CharField(_("action"), max_length=30)
    key = models.CharField(_("user or address"), max_length=150)
    hits = models.PositiveIntegerField(_("uses"), default=0)
    window_started_at = models.DateTimeField(_("window started at"))

    class Meta:
        verbose_name = _("rate limit")
        verbose_name_plural = _("rate limits")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="rate_limit_unique")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}: {self.hits}"
