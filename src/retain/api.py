"""The JSON API (``/api/v1/``): django-ninja, session or bearer-token auth, one error shape.

Every answer under ``/api/v1/`` is JSON, and every refusal is ``{"detail": ...}``: validation
errors answer 422 with ``{"detail": [{"loc": [..., field], "msg": reason}]}``, whether pydantic
caught them (types, bounds, required fields) or a service did (business rules), so a client reads
every refusal the same way; 400, 401, 403, 404, 405 and 500 carry a sentence. The OpenAPI
document declares the 4xx answers of every operation (:class:`RetainAPI`).
"""

import json
from functools import wraps

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.http import JsonResponse
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

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


class StaffSession(SessionAuth):
    """Django's session login. Its CSRF check runs only for a logged-in session: a write without
    any login answers 401 (authenticate first), not 403 (a CSRF failure it never had)."""

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


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


#: The refusals every operation may give (each needs a login; the door may refuse or not find).
_ERRORS = {
    400: "The body is not JSON, or is too large.",
    401: "Not logged in: send a session cookie or an `Authorization: Bearer` token.",
    403: "Logged in, but not allowed to do this.",
    404: "No such record within your scope.",
    422: "A parameter or field is invalid; `detail` lists each with its location and reason.",
}
_ERROR_SCHEMA = {"type": "object", "required": ["detail"], "properties": {"detail": {
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}]}}}


class RetainAPI(NinjaAPI):
    """ninja's API whose OpenAPI document also lists the refusals each operation can give, in the
    one error shape, so a client (and schemathesis) knows every answer to expect."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                answers = operation.setdefault("responses", {})
                for status, text in _ERRORS.items():
                    if status == 400 and method == "get":
                        continue
                    answers.setdefault(status, {"description": text, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
        return schema


api = RetainAPI(
    title="retain",
    version="1",
    urls_namespace="api",
    auth=[BearerToken(), StaffSession()],
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


@api.exception_handler(SuspiciousOperation)
def _bad_request(request, exc):
    detail = "The request body is too large." if isinstance(exc, RequestDataTooBig) else "Bad request."
    return api.create_response(request, {"detail": detail}, status=400)


class JsonErrors:
    """Middleware: an error answered under ``/api/`` by Django rather than by the API (an unknown
    path, a method the path does not take, a server error) becomes ``{"detail": ...}`` JSON too,
    with its status and headers kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.path.startswith("/api/") and response.status_code >= 400
                and not response.get("Content-Type", "").startswith("application/json")):
            response.content = json.dumps({"detail": response.reason_phrase})
            response["Content-Type"] = "application/json"
        return response


def _register_routers():
    from retain.care.api import router as care
    from retain.channels.api import router as channels
    from retain.customers.api import router as customers
    from retain.customers.imports.api import router as imports
    from retain.sales import api as sales
    from retain.sales import api_planning, api_reports, api_tables

    api.add_router("/", customers)
    api.add_router("/", imports)
    # Fixed paths (/prospects/contact-status) before the general ones (/prospects/{prospect_id}).
    for router in (api_reports.router, api_tables.router, api_planning.router, sales.router):
        api.add_router("/", router)
    api.add_router("/", channels)
    api.add_router("/", care)
    # surveys (defs)
    from retain.surveys.api.definitions import router as survey_definitions

    api.add_router("/", survey_definitions)

    # surveys (invite)
    from retain.surveys.api.invitations import router as survey_invitations

    api.add_router("/", survey_invitations)

    # surveys (analysis)
    from retain.surveys.api.results import router as survey_results

    api.add_router("/", survey_results)
    # surveys (answer): the public answer endpoint (token-authorised) and reviews of flagged answers
    from retain.surveys.api import public as survey_public
    from retain.surveys.api import reviews as survey_reviews

    api.add_router("/", survey_public.router)
    api.add_router("/", survey_reviews.router)
    # cases
    from retain.cases.api import cases

    api.add_router("/", cases.router)

    # cases (blacklist)
    from retain.cases.api.blacklist import router as blacklist

    api.add_router("/", blacklist)
    # cases (lost owners and win-back)
    from retain.cases.api.lost import router as lost_owners

    api.add_router("/", lost_owners)
    # loyalty (the points ledger)
    from retain.loyalty.api.members import router as loyalty_members

    api.add_router("/", loyalty_members)
    # loyalty (rewards and vouchers)
    from retain.loyalty.api.rewards import router as loyalty_rewards

    api.add_router("/", loyalty_rewards)
    # loyalty (referrals, influence centres, owners' clubs)
    from retain.loyalty.api.referrals import router as loyalty_referrals

    api.add_router("/", loyalty_referrals)

    from retain.loyalty.api.partners import router as loyalty_partners

    api.add_router("/", loyalty_partners)
    from retain.loyalty.api.rules import router as loyalty_rules

    api.add_router("/", loyalty_rules)


_register_routers()
