"""A programme's earning rules, tiers, exclusions and time limits (``services.rules``):

- ``GET /api/v1/loyalty/programmes/{dealer_id}/rules``: whoever sees the dealer's points
  (``view_points``) reads them;
- ``PUT /api/v1/loyalty/programmes/{dealer_id}/rules``: ``set_points_rules``; the fields sent
  change (``rules`` by trigger and field, ``tiers`` as the whole list lowest first, the point
  value and the goodwill caps), the rest stay; 422 naming each bad field
  (``rules.service.day_cap``, ``tiers.1.threshold``), nothing changed."""

from typing import Annotated

from ninja import Router, Schema
from pydantic import Field, Strict

from retain.bounds import Input, api_type
from retain.org.policy import Action, dealer_in_scope

from ..models import MAX_RESERVATION_HOURS, Programme
from ..services import rules as rules_service

router = Router(tags=["loyalty"])


class RuleOut(Schema):
    trigger: str
    active: bool
    points_per_100_yuan: int
    min_amount_cents: int
    points: int
    day_cap: int | None
    year_cap: int | None


class TierOut(Schema):
    rank: int
    name: str
    threshold: int
    multiplier_percent: int
    priority_booking: bool
    courtesy_car: bool
    free_washes_per_year: int
    benefits: str


class RulesOut(Schema):
    dealer_id: int
    rules: list[RuleOut]
    tiers: list[TierOut]
    point_value_cents: int = Field(description="What a point is worth on the liability report (cents).")
    goodwill_case_cap: int = Field(description="The most goodwill points for one complaint case.")
    goodwill_month_cap: int = Field(description="The most goodwill points for one member in a local month.")
    excluded_customer_kinds: list[str]
    excluded_classifications: list[str]
    excluded_tags: list[str]
    downgrade_grace_days: int
    reservation_hours: int = Field(description="How long a reservation made without a voucher is held before it "
                                   "times out (hours).")


class ErrorOut(Schema):
    detail: list[dict]


Names = Annotated[list[Annotated[str, Strict(), Field(max_length=40)]], Field(max_length=20)]


class RulesIn(Input):
    rules: Annotated[dict[Annotated[str, Field(max_length=30)], dict], Field(max_length=20)] | None = None
    tiers: Annotated[list[dict], Field(max_length=10)] | None = None
    point_value_cents: api_type(Programme, "point_value_cents") | None = None
    goodwill_case_cap: api_type(Programme, "goodwill_case_cap") | None = None
    goodwill_month_cap: api_type(Programme, "goodwill_month_cap") | None = None
    excluded_customer_kinds: Names | None = None
    excluded_classifications: Names | None = None
    excluded_tags: Names | None = None
    downgrade_grace_days: Annotated[int, Strict(), Field(ge=0, le=365)] | None = None
    reservation_hours: Annotated[int, Strict(), Field(ge=1, le=MAX_RESERVATION_HOURS)] | None = None


@router.get("/loyalty/programmes/{int:dealer_id}/rules", response=RulesOut)
def get_rules(request, dealer_id: int):
    """The dealer's earning rules (every trigger, those without a rule inactive), tiers and exclusions."""
    return rules_service.read_for(dealer_in_scope(request.user, Action.VIEW_POINTS, dealer_id))


@router.put("/loyalty/programmes/{int:dealer_id}/rules", response={200: RulesOut, 422: ErrorOut})
def put_rules(request, dealer_id: int, payload: RulesIn):
    """Change the rules, tiers or exclusions sent; the rest stay."""
    changes = {key: value for key, value in payload.dict().items() if value is not None}
    return rules_service.set_rules(actor=request.user, dealer_id=dealer_id, **changes)
