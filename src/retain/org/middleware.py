"""Request-wide concerns of the organisation layer: who is calling from where (for the audit
log), and keeping personal data out of caches."""

from django.utils.cache import add_never_cache_headers

from .audit import client_address


class RequestContextMiddleware:
    """Carries the client's address from the request to the audit log without threading it
    through every service call."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = client_address.set(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer to a signed-in user and on every API answer.

    Any such page may show personal data (a revealed mobile number, an export, a customer's
    card), and a shared or browser cache must not keep it. Marking the few reveal endpoints
    alone would leave the next app's pages to remember it; answers that set their own
    Cache-Control keep it (static files are served before this runs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if (signed_in or request.path.startswith("/api/")) and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
