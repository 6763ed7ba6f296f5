from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Role, User
from accounts.throttle import lockout_minutes
from courses.models import Organisation, Trainer
from courses.vietnamese import sorted_by_name, sorted_by_text


class ThrottledLoginMixin:
    """Says "wait N minutes" instead of "wrong password" when the throttle refused the
    attempt (the backend leaves `login_locked_until` on the request)."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            until = getattr(self.request, "login_locked_until", None)
            if until is None:
                raise
            minutes = lockout_minutes(until)
            raise ValidationError(
                ngettext(
                    "Too many failed log-in attempts. For your security, logging in is paused: "
                    "try again in %(minutes)s minute.",
                    "Too many failed log-in attempts. For your security, logging in is paused: "
                    "try again in %(minutes)s minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="locked_out",
            ) from None


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Wrong username or password. Both are case-sensitive; check that Caps Lock is off."
        ),
        "inactive": _("This account has been disabled. Contact the department."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.fields["username"].widget.attrs.update(autocapitalize="none", autocomplete="username")


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's own login form with the same lock-out message (see accounts/admin.py)."""


# --- Accounts the coordinator manages (accounts/views.py) -----------------------------


def _role_choices() -> list[tuple[str, str]]:
    # Only the roles accounts.services.MANAGED_ROLES hands out: a POSTed "coordinator"
    # is not a valid choice.
    return [
        (Role.NOMINATOR, _("Unit officer (nominates participants)")),
        (Role.TRAINER, _("Trainer")),
        (Role.VIEWER, _("Viewer (reads everything, changes nothing)")),
    ]


class AccountForm(forms.Form):
    """Create (with `username`) or change an account of a unit officer, a trainer or a
    viewer. Normalises and checks field by field; accounts.services decides and writes."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("No spaces: letters, digits and @ . + - _ only; e.g. muongte.nguyenvan."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=_role_choices, widget=forms.RadioSelect)
    organisation = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_(
            "Required for a unit officer, who sees only this unit's quotas and people. "
            "Only units that exist today are listed."
        ),
    )
    trainer = forms.ModelChoiceField(
        label=_("Trainer record"),
        queryset=Trainer.objects.none(),
        required=False,
        empty_label=_("— New trainer with the full name above —"),
        help_text=_("For a trainer: pick their record if it is already in the list of trainers."),
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Leave empty to have one generated; it is shown once, to hand over to the person."
        ),
    )

    def __init__(self, *args, account: User | None = None, **kwargs):
        self.account = account
        if account is not None:
            trainer = Trainer.objects.filter(user=account).first()
            kwargs.setdefault(
                "initial",
                {
                    "full_name": account.full_name,
                    "email": account.email,
                    "role": account.role,
                    "organisation": account.organisation_id,
                    "trainer": trainer.pk if trainer else None,
                },
            )
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        units = Organisation.objects.valid_on(today)
        trainers = Trainer.objects.filter(user__isnull=True)
        if account is not None:
            del self.fields["username"]
            # An officer of a unit the reform dissolved keeps it until moved elsewhere.
            units = units | Organisation.objects.filter(pk=account.organisation_id)
            trainers = trainers | Trainer.objects.filter(user=account)
            self.fields["password"].label = _("New password")
            self.fields["password"].help_text = _(
                "Leave empty to keep the current password, or tick the box below."
            )
            self.fields["generate_password"] = forms.BooleanField(
                label=_("Generate a new password (shown once)"), required=False
            )
        self.fields["organisation"].queryset = units.distinct()
        self.fields["organisation"].choices = [("", "---------")] + [
            (o.pk, o.name) for o in sorted_by_text(units.distinct(), str)
        ]
        self.fields["trainer"].queryset = trainers.distinct()
        self.fields["trainer"].choices = [("", self.fields["trainer"].empty_label)] + [
            (t.pk, f"{t}{f' · {t.affiliation}' if t.affiliation else ''}")
            for t in sorted_by_name(trainers.distinct())
        ]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        User.username_validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This username is already taken."))
        return username

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role == Role.NOMINATOR:
            unit = cleaned.get("organisation")
            if unit is None:
                self.add_error("organisation", _("Choose the unit of this officer."))
            elif not unit.can_nominate:
                self.add_error("organisation", _("This unit does not nominate participants."))
        password = cleaned.get("password")
        if password:
            probe = User(
                username=cleaned.get("username") or getattr(self.account, "username", ""),
                full_name=cleaned.get("full_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                validate_password(password, probe)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned

    def new_password(self) -> str:
        """The password to set: typed, generated (empty: the service generates one on
        creation), or none on an edit that keeps it."""
        if self.cleaned_data.get("generate_password"):
            from accounts.services import generate_password

            return generate_password()
        return self.cleaned_data.get("password") or ""


class AccountFilterForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), required=False)
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Organisation.objects.none(), required=False
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Disabled"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("All roles")), *Role.choices]
        units = Organisation.objects.filter(users__isnull=False).distinct()
        self.fields["unit"].queryset = units
        self.fields["unit"].choices = [("", _("All units"))] + [
            (o.pk, o.name) for o in sorted_by_text(units, str)
        ]
