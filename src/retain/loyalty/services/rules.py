"""A programme's earning rules, tiers and exclusions: the defaults a new programme gets, reading
them (for the page, the API and the earning), and a manager changing them (``set_rules``: one
transaction, one audit row ``points_rules.set`` with the rules before and after).

The defaults are what a 4S dealer would start from (seed 001's loyalty-plan chapters):

- purchases: a point per yuan of service and of parts, a point per ten yuan of a car and of
  insurance (a car would otherwise buy the whole catalogue); insurance claims (the insurer pays)
  and "other" earn nothing; parts at most 50,000 points a year (resold parts are not loyalty);
- events: a delivered referral 2,000 points, a completed survey 100 (at most 300 a year), the
  birthday 200, a club event attended 100 (at most 1,000 a year), a completed profile 300 (once);
- exclusions: company customers (a fleet earns under its fleet contract, not as a member) and
  customers tagged 员工 (staff);
- tiers 普卡 / 银卡 / 金卡 at 0 / 5,000 / 20,000 qualifying points, earning 100 / 120 / 150 %,
  with service entitlements that grow with the tier (the courtesy car, a scarce resource, goes to
  gold members first: seed 000); a tier is lowered 30 days after the anniversary at the earliest."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from retain.bounds import limits
from retain.customers.models import Classification, CustomerKind
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action, dealer_in_scope

from ..models import EVENTS, MAX_RESERVATION_HOURS, PURCHASES, EarningRule, Membership, Programme, Tier, TierChange
from ..models.rules import MAX_CAP, MAX_EVENT_POINTS, MAX_MULTIPLIER, MAX_RATE
from . import ledger

DEFAULT_RULES = {
    "vehicle_sale": {"points_per_100_yuan": 10},
    "service": {"points_per_100_yuan": 100},
    "parts": {"points_per_100_yuan": 100, "year_cap": 50_000},
    "insurance": {"points_per_100_yuan": 10},
    "referral_delivered": {"points": 2_000},
    "survey_completed": {"points": 100, "year_cap": 300},
    "birthday": {"points": 200},
    "club_event_attended": {"points": 100, "year_cap": 1_000},
    "profile_completed": {"points": 300},
}
DEFAULT_TIERS = [
    {"name": "普卡", "threshold": 0, "multiplier_percent": 100, "free_washes_per_year": 2,
     "benefits": "生日礼遇\n积分兑换精品与保养"},
    {"name": "银卡", "threshold": 5_000, "multiplier_percent": 120, "priority_booking": True,
     "free_washes_per_year": 6, "benefits": "生日礼遇\n保养工时九五折\n专属服务顾问"},
    {"name": "金卡", "threshold": 20_000, "multiplier_percent": 150, "priority_booking": True, "courtesy_car": True,
     "free_washes_per_year": 12, "benefits": "生日礼遇\n保养工时九折\n专属服务顾问\n免费上门取送车\n车主活动优先报名"},
]
DEFAULT_EXCLUSIONS = {"excluded_customer_kinds": [CustomerKind.COMPANY.value], "excluded_classifications": [],
                      "excluded_tags": ["员工"]}

RULE_FIELDS = ("active", "points_per_100_yuan", "min_amount_cents", "points", "day_cap", "year_cap")
TIER_FIELDS = ("name", "threshold", "multiplier_percent", "priority_booking", "courtesy_car",
               "free_washes_per_year", "benefits")
PROGRAMME_FIELDS = ("excluded_customer_kinds", "excluded_classifications", "excluded_tags", "downgrade_grace_days",
                    "reservation_hours")
MAX_TIERS, MAX_TAGS = 10, 20
#: The programme's value and goodwill settings, with their bounds (the model fields'): what a point
#: is worth on the liability report (cents), and the caps of goodwill points from complaint cases,
#: per case and per member in a local month (``services.goodwill``).
VALUE_FIELDS = {name: limits(Programme._meta.get_field(name))
                for name in ("point_value_cents", "goodwill_case_cap", "goodwill_month_cap")}
PROGRAMME_FIELDS += tuple(VALUE_FIELDS)


def seed(programme: Programme) -> None:
    """Give a new programme the default rules, tiers and exclusions (nothing if it has rules)."""
    if EarningRule.objects.filter(programme=programme).exists():
        return
    EarningRule.objects.bulk_create([EarningRule(programme=programme, trigger=trigger, **values)
                                     for trigger, values in DEFAULT_RULES.items()])
    Tier.objects.bulk_create([Tier(programme=programme, rank=rank, **values) for rank, values in enumerate(DEFAULT_TIERS)])
    Programme.objects.filter(pk=programme.pk).update(**DEFAULT_EXCLUSIONS)
    for name, value in DEFAULT_EXCLUSIONS.items():
        setattr(programme, name, value)


def rule_dict(rule: EarningRule) -> dict:
    return {"trigger": rule.trigger, **{name: getattr(rule, name) for name in RULE_FIELDS}}


def tier_dict(tier: Tier) -> dict:
    return {"rank": tier.rank, **{name: getattr(tier, name) for name in TIER_FIELDS}}


def read(programme: Programme) -> dict:
    """The programme's rules (one per trigger, those without a rule as inactive), tiers, exclusions."""
    rules = {rule.trigger: rule for rule in EarningRule.objects.filter(programme=programme)}
    return {
        "dealer_id": programme.dealer_id,
        "rules": [rule_dict(rules[t]) if t in rules else {"trigger": t, "active": False, "points_per_100_yuan": 0,
                                                            "min_amount_cents": 0, "points": 0, "day_cap": None,
                                                            "year_cap": None} for t in (*PURCHASES, *EVENTS)],
        "tiers": [tier_dict(t) for t in Tier.objects.filter(programme=programme).order_by("rank")],
        **{name: getattr(programme, name) for name in PROGRAMME_FIELDS},
    }


def read_for(dealer_id: int) -> dict:
    """``read`` of the dealer's programme, or of the defaults a programme would start with (a
    read makes nothing)."""
    programme = ledger.programme_for(dealer_id, create=False)
    if programme is not None:
        return read(programme)
    given = {t: {"trigger": t, "active": True, "points_per_100_yuan": 0, "min_amount_cents": 0, "points": 0,
                 "day_cap": None, "year_cap": None, **DEFAULT_RULES[t]} for t in DEFAULT_RULES}
    return {"dealer_id": dealer_id,
            "rules": [given.get(t) or {"trigger": t, "active": False, "points_per_100_yuan": 0, "min_amount_cents": 0,
                                       "points": 0, "day_cap": None, "year_cap": None} for t in (*PURCHASES, *EVENTS)],
            "tiers": [{"rank": rank, "priority_booking": False, "courtesy_car": False, "free_washes_per_year": 0,
                       "benefits": "", "multiplier_percent": 100, **tier} for rank, tier in enumerate(DEFAULT_TIERS)],
            **DEFAULT_EXCLUSIONS, **{name: Programme._meta.get_field(name).default
                                     for name in ("downgrade_grace_days", "reservation_hours", *VALUE_FIELDS)}}


def _whole(value, low, high, *, none_ok=False) -> bool:
    if value is None:
        return none_ok
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_rules(rules, errors: dict) -> dict:
    if not isinstance(rules, dict):
        errors["rules"] = _("Give the rules by what they are earned for.")
        return {}
    checked = {}
    for trigger, values in rules.items():
        key = f"rules.{trigger}"
        if trigger not in PURCHASES and trigger not in EVENTS:
            errors[key] = _("Nothing is earned for this.")
            continue
        if not isinstance(values, dict):
            errors[key] = _("Give the rule's fields.")
            continue
        for name in sorted(set(values) - set(RULE_FIELDS)):
            errors[f"{key}.{name}"] = _("This field cannot be set here.")
        bounds = {"points_per_100_yuan": (0, MAX_RATE, False), "min_amount_cents": (0, 10**10 - 1, False),
                  "points": (0, MAX_EVENT_POINTS, False), "day_cap": (1, MAX_CAP, True), "year_cap": (1, MAX_CAP, True)}
        for name, (low, high, none_ok) in bounds.items():
            if name in values and not _whole(values[name], low, high, none_ok=none_ok):
                errors[f"{key}.{name}"] = (_("Enter a whole number from %(low)d to %(high)d, or nothing for no cap.")
                                           if none_ok else _("Enter a whole number from %(low)d to %(high)d.")) % {
                    "low": low, "high": high}
        if "active" in values and not isinstance(values["active"], bool):
            errors[f"{key}.active"] = _("Say whether the rule applies.")
        checked[trigger] = {k: v for k, v in values.items() if k in RULE_FIELDS}
    return checked


def _check_tiers(tiers, errors: dict) -> list:
    if not isinstance(tiers, list) or not 1 <= len(tiers) <= MAX_TIERS:
        errors["tiers"] = _("List from 1 to %(n)d tiers, lowest first.") % {"n": MAX_TIERS}
        return []
    checked, last = [], None
    for rank, values in enumerate(tiers):
        key = f"tiers.{rank}"
        if not isinstance(values, dict):
            errors[key] = _("Give the tier's fields.")
            continue
        for name in sorted(set(values) - set(TIER_FIELDS)):
            errors[f"{key}.{name}"] = _("This field cannot be set here.")
        name = values.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 40 or "\x00" in name:
            errors[f"{key}.name"] = _("Name the tier in at most %(n)d characters.") % {"n": 40}
        threshold = values.get("threshold")
        if not _whole(threshold, 0, MAX_CAP):
            errors[f"{key}.threshold"] = _("Enter a whole number from %(low)d to %(high)d.") % {"low": 0, "high": MAX_CAP}
        elif rank == 0 and threshold != 0:
            errors[f"{key}.threshold"] = _("The lowest tier is every member's: it needs 0 points.")
        elif last is not None and threshold <= last:
            errors[f"{key}.threshold"] = _("Each tier needs more points than the one below it.")
        else:
            last = threshold
        if not _whole(values.get("multiplier_percent", 100), 1, MAX_MULTIPLIER):
            errors[f"{key}.multiplier_percent"] = _("Enter a whole number from %(low)d to %(high)d.") % {
                "low": 1, "high": MAX_MULTIPLIER}
        if not _whole(values.get("free_washes_per_year", 0), 0, 365):
            errors[f"{key}.free_washes_per_year"] = _("Enter a whole number from %(low)d to %(high)d.") % {
                "low": 0, "high": 365}
        for flag in ("priority_booking", "courtesy_car"):
            if not isinstance(values.get(flag, False), bool):
                errors[f"{key}.{flag}"] = _("Say yes or no.")
        benefits = values.get("benefits", "")
        if not isinstance(benefits, str) or len(benefits) > 2_000 or "\x00" in benefits:
            errors[f"{key}.benefits"] = _("Write at most %(n)d characters.") % {"n": 2_000}
        else:
            benefits = "\n".join(line.strip() for line in benefits.splitlines() if line.strip())
        checked.append({**{k: v for k, v in values.items() if k in TIER_FIELDS},
                        "name": name.strip() if isinstance(name, str) else name, "benefits": benefits})
    return checked


def _check_list(value, allowed, field, errors):
    if not isinstance(value, list) or len(value) > MAX_TAGS or any(not isinstance(v, str) for v in value):
        errors[field] = _("Give a list of at most %(n)d values.") % {"n": MAX_TAGS}
    elif allowed is not None and set(value) - set(allowed):
        errors[field] = _("Choose among the values offered.")
    elif allowed is None and any(not v.strip() or len(v) > 40 or "\x00" in v for v in value):
        errors[field] = _("Each tag has 1 to %(n)d characters.") % {"n": 40}


def _check_values(programme: Programme, changes: dict, errors: dict) -> None:
    """``VALUE_FIELDS`` within their bounds, and a case's goodwill cap no larger than a month's
    (a member's month cap counts every case: a case could never be given more)."""
    for name, (low, high) in VALUE_FIELDS.items():
        if name in changes and not _whole(changes[name], low, high):
            errors[name] = _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
    if not {"goodwill_case_cap", "goodwill_month_cap"} & set(errors) and {"goodwill_case_cap",
                                                                            "goodwill_month_cap"} & set(changes):
        case = changes.get("goodwill_case_cap", programme.goodwill_case_cap)
        if case > changes.get("goodwill_month_cap", programme.goodwill_month_cap):
            errors["goodwill_case_cap"] = _("A case's cap cannot exceed the cap for a member in a month.")


@transaction.atomic
def set_rules(*, actor, dealer_id, rules: dict | None = None, tiers: list | None = None, **programme_changes) -> dict:
    """Change a dealer's earning rules (those given, by trigger; the fields given), tiers (the
    whole list, lowest first) and exclusions. Refused whole, naming each bad field; else one
    audit row. Members' tiers follow at their next earning (up) or anniversary (down)."""
    dealer_id = dealer_in_scope(actor, Action.SET_POINTS_RULES, dealer_id)
    errors: dict = {}
    for name in sorted(set(programme_changes) - set(PROGRAMME_FIELDS)):
        errors[name] = _("This field cannot be set here.")
    checked_rules = _check_rules(rules, errors) if rules is not None else {}
    checked_tiers = _check_tiers(tiers, errors) if tiers is not None else None
    if "excluded_customer_kinds" in programme_changes:
        _check_list(programme_changes["excluded_customer_kinds"], CustomerKind.values, "excluded_customer_kinds",
                    errors)
    if "excluded_classifications" in programme_changes:
        _check_list(programme_changes["excluded_classifications"], Classification.values,
                    "excluded_classifications", errors)
    if "excluded_tags" in programme_changes:
        _check_list(programme_changes["excluded_tags"], None, "excluded_tags", errors)
    for name, low, high in (("downgrade_grace_days", 0, 365), ("reservation_hours", 1, MAX_RESERVATION_HOURS)):
        if name in programme_changes and not _whole(programme_changes[name], low, high):
            errors[name] = _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
    programme = ledger.programme_for(dealer_id)
    _check_values(programme, programme_changes, errors)
    if checked_tiers is not None and not errors:
        going = Tier.objects.filter(programme=programme, rank__gte=len(checked_tiers))
        held = set(going.filter(Exists(Membership.objects.filter(tier=OuterRef("pk"))) | Exists(
            TierChange.objects.filter(Q(from_tier=OuterRef("pk")) | Q(to_tier=OuterRef("pk"))))).values_list(
            "rank", flat=True))
        if held:
            errors["tiers"] = _("Members hold or held a tier that would go (rank %(ranks)s): keep as many tiers.") % {
                "ranks": ", ".join(str(r) for r in sorted(held))}
    if errors:
        raise ValidationError(errors)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    before = read(programme)
    for trigger, values in checked_rules.items():
        EarningRule.objects.update_or_create(programme=programme, trigger=trigger, defaults=values)
    if checked_tiers is not None:
        existing = {t.rank: t for t in Tier.objects.filter(programme=programme)}
        # thresholds are unique per programme: move the kept tiers out of the way first
        Tier.objects.filter(programme=programme).update(threshold=F("rank") + MAX_CAP + 1)
        for rank, values in enumerate(checked_tiers):
            if rank in existing:
                Tier.objects.filter(pk=existing[rank].pk).update(**values)
            else:
                Tier.objects.create(programme=programme, rank=rank, **values)
        Tier.objects.filter(programme=programme, rank__gte=len(checked_tiers)).delete()
    for name, value in programme_changes.items():
        setattr(programme, name, value)
    if programme_changes:
        programme.save(update_fields=list(programme_changes))
    after = read(programme)
    if after != before:
        audit.record(actor=actor, action=AuditCode.POINTS_RULES_SET, object_type="programme", object_id=programme.pk,
                     dealer_id=dealer_id, before=before, after=after)
    return after
