"""The login throttle as an authentication backend."""

from axes.backends import AxesStandaloneBackend


class ThrottledLogins(AxesStandaloneBackend):
    """django-axes' lockout check for logins that come from a client (the login page always
    passes its request). ``authenticate()`` called from code without a request (a management
    command, a test's ``client.login``) has no client address to throttle, and axes would raise;
    such calls pass through to the password check."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
