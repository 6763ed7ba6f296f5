from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts import throttle


class ThrottledModelBackend(ModelBackend):
    """Django's username/password check behind the login throttle.

    An authentication backend sees every password check, whichever form asked: the app's
    /login/ and the admin's /admin/login/ alike. Each attempt is counted before its password
    is checked, so at most the limit's number of passwords is ever checked; when the
    username or the client address is locked out, the password is not checked at all. The
    lock-out's end is left on the request for the login form's message
    (`accounts.forms.ThrottledLoginMixin`).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        # No request (the test client's login(), a shell) or no password: nothing to throttle.
        if request is None or username is None or password is None:
            return super().authenticate(request, username, password, **kwargs)
        address = throttle.client_address(request)
        # Counted (and refused at the limit) before the password is checked, in one locked
        # step: concurrent guesses cannot all pass a check that each made before counting.
        until = throttle.login_attempt_begin(username=username, address=address)
        if until is not None:
            request.login_locked_until = until
            throttle.login_refusal_log(username=username, address=address, until=until)
            # PermissionDenied (not None) stops Django from trying any other backend.
            raise PermissionDenied
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            until = throttle.login_failure_record(username=username, address=address)
            if until is not None:
                request.login_locked_until = until
        else:
            throttle.login_success_record(username=username, address=address)
        return user
