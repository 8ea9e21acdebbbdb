"""The JSON API (``/api/v1/``): django-ninja, session or bearer-token auth, one error shape.

Validation errors answer 422 with ``{"detail": [{"loc": [..., field], "msg": reason}]}``,
whether pydantic caught them (types, required fields) or a service did (business rules),
so a client reads every refusal the same way.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from retain.org import services as org_services
from retain.org.models import ApiToken


class BearerToken(HttpBearer):
    """``Authorization: Bearer rt_...``: a usable (not revoked, not expired) token of an active
    staff member. Only the token presented is marked as used, not the holder's other tokens."""

    def authenticate(self, request, token):
        found = ApiToken.find(token)
        if found is None:
            return None
        request.user = found.staff
        org_services.touch(found)
        return found.staff


def _staff_only(view):
    """The OpenAPI document is for logged-in staff (session or token), not the public."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            header = request.headers.get("Authorization", "")
            staff = ApiToken.staff_for(header[7:]) if header.startswith("Bearer ") else None
            if staff is None:
                return JsonResponse({"detail": "Unauthorized"}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


api = NinjaAPI(
    title="retain",
    version="1",
    urls_namespace="api",
    auth=[BearerToken(), django_auth],
    docs_url=None,
    docs_decorator=_staff_only,
)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        detail = [{"loc": ["body", field], "msg": msg, "type": "value_error"}
                  for field, messages in exc.message_dict.items() for msg in messages]
    else:
        detail = [{"loc": ["body"], "msg": msg, "type": "value_error"} for msg in exc.messages]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


def _register_routers():
    from retain.customers.api import router as customers
    from retain.sales import api as sales
    from retain.sales import api_planning, api_reports, api_tables

    api.add_router("/", customers)
    # Fixed paths (/prospects/contact-status) before the general ones (/prospects/{prospect_id}).
    for router in (api_reports.router, api_tables.router, api_planning.router, sales.router):
        api.add_router("/", router)


_register_routers()
