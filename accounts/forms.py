from crispy_forms.helper import FormHelper
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.throttle import lockout_minutes


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
