"""Reviewing a flagged response over JSON: ``POST /api/v1/responses/{id}/review``."""

import datetime as dt
from typing import Annotated

from ninja import Router, Schema
from pydantic import Strict

from retain.bounds import Input, api_type

from ..models import Response
from ..services import reviews as review_service

router = Router(tags=["surveys: reviews"])


class ReviewIn(Input):
    keep: Annotated[bool, Strict()]
    note: api_type(Response, "review_note") = ""


class ReviewOut(Schema):
    id: int
    review: str
    counted: bool
    flags: list[str]
    reviewed_at: dt.datetime | None


@router.post("/responses/{int:response_id}/review", response=ReviewOut)
def review(request, response_id: int, payload: ReviewIn):
    """Keep (count) or exclude a flagged response, with a note (audited)."""
    return review_service.review(actor=request.user, response_id=response_id, keep=payload.keep, note=payload.note)
