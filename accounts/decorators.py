"""Role checks for views. Which *objects* a user may see is decided by the QuerySet
`visible_to(user)` methods; these decorators only decide who may use a page at all."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User


def _allowing(allowed: Callable[[User], bool], refusal: Promise):
    """A view decorator: logged in, then `allowed(user)`, or a 403 saying `refusal` (in
    the language of the request)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not allowed(request.user):
                raise PermissionDenied(str(refusal))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


#: Logged in *and* given a role: an account nobody has assigned yet sees nothing.
role_required = _allowing(
    lambda user: user.is_coordinator or user.is_nominator or user.is_trainer or user.is_viewer,
    _("Your account has no role yet. Ask the department to assign one."),
)

coordinator_required = _allowing(
    lambda user: user.is_coordinator, _("Only the department coordinator can do this.")
)

coordinator_or_nominator_required = _allowing(
    lambda user: user.is_coordinator or user.is_nominator,
    _("Only the department or a nominating unit can do this."),
)

#: Coordinator or viewer: people who read across all units.
staff_reader_required = _allowing(
    lambda user: user.can_view_all_classes,
    _("Only the department and viewers can see this page."),
)

#: Trainers and the department take attendance.
scanner_required = _allowing(
    lambda user: user.is_coordinator or user.is_trainer,
    _("Only trainers and the department take attendance."),
)
