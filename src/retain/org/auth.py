"""Authentication backends: the login throttle, and the signed-in staff member read with their
workplace."""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from retain.prepared import prepared

#: The signed-in staff member with their workplace, by key (listed, not ``first()``, whose ORDER
#: BY cost a sixth of the query's CPU); compiled once (``prepared``): every request reads it.
SIGNED_IN = prepared(lambda user_id: get_user_model()._default_manager.select_related("dealer", "region")
                     .filter(pk=user_id))


class WithWorkplace:
    """Reads the signed-in staff member together with their dealer and region: every page's
    header names them, which was one more query on every request."""

    def get_user(self, user_id):
        try:
            found = SIGNED_IN(int(user_id))
        except (TypeError, ValueError):
            return None
        user = found[0] if found else None
        return user if user is not None and user.is_active else None  # as ModelBackend: no inactive user


class ThrottledLogins(WithWorkplace, AxesStandaloneBackend):
    """django-axes' lockout check for logins that come from a client (the login page always
    passes its request). ``authenticate()`` called from code without a request (a management
    command, a test's ``client.login``) has no client address to throttle, and axes would raise;
    such calls pass through to the password check."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class Passwords(WithWorkplace, ModelBackend):
    """Django's username-and-password check."""
