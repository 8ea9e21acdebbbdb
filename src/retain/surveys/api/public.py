"""The public answer endpoint: ``POST /api/v1/public/responses/{token}``.

Authorised by the link's token alone: no login, and so no CSRF check (there is no session to
ride on; the token in the path is the credential). The body is bounded (``MAX_BODY`` bytes,
checked before it is read) and shaped ``{"answers": {question_code: value}, "submit": bool}``;
``submit`` is true unless sent false (the issue's one-shot shape); false saves part way.

Answers: 201 ``{"id", "submitted", "flagged"}``; 404 unknown link, 409 used, 410 expired or
withdrawn; 422 naming each refused question code (``loc: ["body", "answers", code]``).
"""

from functools import wraps
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from ninja import Field, Router, Schema, Status
from ninja.decorators import decorate_view
from pydantic import Strict

from retain.bounds import Input

from .. import integrity
from ..answering import MAX_ANSWERS, LinkError
from ..services.answers import save as save_answers

router = Router(tags=["surveys: answering"])

#: The largest body taken (a survey's answers with a few long comments fit many times over).
MAX_BODY = 64 * 1024

_MESSAGES = {404: "No survey for this link.", 409: "This link has already been answered.",
             410: "This link has expired or was withdrawn."}


def _bounded(view):
    """Refuse a body over ``MAX_BODY`` before anything reads it (400, the API's shape)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = MAX_BODY + 1
        if length > MAX_BODY:
            return JsonResponse({"detail": f"The request body is too large (at most {MAX_BODY} bytes)."}, status=400)
        return view(request, *args, **kwargs)

    return wrapper


class PublicAnswersIn(Input):
    answers: Annotated[dict[Annotated[str, Field(max_length=60)], object], Field(max_length=MAX_ANSWERS)]
    submit: Annotated[bool, Strict()] = True


class PublicAnswerOut(Schema):
    id: int
    submitted: bool
    flagged: bool


class Refusal(Schema):
    detail: object


@router.post("/public/responses/{token}", auth=None, response={201: PublicAnswerOut, 404: Refusal, 409: Refusal,
                                                                410: Refusal, 422: Refusal})
@decorate_view(_bounded)
def answer(request, token: str, payload: PublicAnswersIn):
    """Answer a survey through its link's token (no login): ``submit`` false saves part way."""
    info = integrity.request_info(request, from_page=False)
    try:
        response = save_answers(actor=None, token=token, answers=payload.answers, submit=payload.submit,
                                       request_info=info)
    except LinkError as exc:
        return Status(exc.status, {"detail": _MESSAGES[exc.status]})
    except ValidationError as exc:
        return Status(422, {"detail": [{"loc": ["body", "answers", code], "msg": message, "type": "value_error"}
                                       for code, messages in exc.message_dict.items() for message in messages]})
    return Status(201, {"id": response.pk, "submitted": response.submitted_at is not None,
                        "flagged": bool(response.flags)})
