"""Role checks for views. Which *objects* a user may see is decided by the QuerySet
`visible_to(user)` methods; these decorators only decide who may use a page at all."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _


def role_required(view):
    """Logged in *and* given a role: an account nobody has assigned yet sees nothing."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not (user.is_coordinator or user.is_nominator or user.is_trainer or user.is_viewer):
            raise PermissionDenied(
                _("Your account has no role yet. Ask the department to assign one.")
            )
        return view(request, *args, **kwargs)

    return wrapper


def coordinator_required(view):
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_coordinator:
            raise PermissionDenied(_("Only the department coordinator can do this."))
        return view(request, *args, **kwargs)

    return wrapper


def coordinator_or_nominator_required(view):
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not (request.user.is_coordinator or request.user.is_nominator):
            raise PermissionDenied(_("Only the department or a nominating unit can do this."))
        return view(request, *args, **kwargs)

    return wrapper


def staff_reader_required(view):
    """Coordinator or viewer: people who read across all units."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.can_view_all_classes:
            raise PermissionDenied(_("Only the department and viewers can see this page."))
        return view(request, *args, **kwargs)

    return wrapper


def scanner_required(view):
    """Trainers and the department take attendance."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not (request.user.is_coordinator or request.user.is_trainer):
            raise PermissionDenied(_("Only trainers and the department take attendance."))
        return view(request, *args, **kwargs)

    return wrapper
