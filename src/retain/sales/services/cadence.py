"""When to follow up next: the grade's cadence, a dealer's own table overriding the defaults."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action, dealers_in_scope, require

from ..models import DEFAULT_CADENCE_DAYS, Cadence, Grade


def check_grade(value, errors: dict, field: str = "grade") -> None:
    """Put a clear error on ``field`` unless ``value`` is one of the grades."""
    if value not in Grade.values:
        errors[field] = _("“%(value)s” is not a grade; use O, H, A, B or C.") % {"value": value}


def cadence_days(dealer_id: int, grade: str) -> int:
    """Days between follow-ups for ``grade`` at this dealer (its own setting or the default)."""
    if grade not in Grade.values:
        raise ValueError(f"unknown grade {grade!r}")
    own = Cadence.objects.filter(dealer_id=dealer_id, grade=grade).values_list("days", flat=True).first()
    return own or DEFAULT_CADENCE_DAYS[Grade(grade)]


def cadence_table(dealer_id: int) -> dict[str, int]:
    """The dealer's cadence for every grade."""
    own = dict(Cadence.objects.filter(dealer_id=dealer_id).values_list("grade", "days"))
    return {grade: own.get(grade, DEFAULT_CADENCE_DAYS[grade]) for grade in Grade}


def next_follow_up(dealer_id: int, grade: str, last_contact: dt.date) -> dt.date:
    """The last contact plus the grade's cadence, in calendar days (month and year ends included)."""
    return last_contact + dt.timedelta(days=cadence_days(dealer_id, grade))


def dealer_by_code(actor, code: str, action: str = Action.VIEW):
    """A dealer at which the actor may ``action``, by its code: 403 if they may not do it
    anywhere (whatever the code), 404 if the dealer is out of their scope."""
    require(actor, action)
    dealer = dealers_in_scope(actor, action).filter(code=code).first()
    if dealer is None:
        raise Http404(_("No such dealer."))
    return dealer


@transaction.atomic
def set_cadence(*, actor, dealer_id: int, grade: str, days: int) -> dict[str, int]:
    """A dealer's own follow-up interval for one grade (1 to 90 days); returns the dealer's table.
    Open prospects keep their next date until their next contact or grade change."""
    require(actor, Action.SET_CADENCE)
    if not dealers_in_scope(actor, Action.SET_CADENCE).filter(pk=dealer_id).exists():
        raise Http404(_("No such dealer."))
    errors = {}
    check_grade(grade, errors)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 90:
        errors["days"] = _("Follow up every 1 to 90 days.")
    if errors:
        raise ValidationError(errors)
    before = cadence_table(dealer_id)
    Cadence.objects.update_or_create(dealer_id=dealer_id, grade=grade, defaults={"days": days})
    after = cadence_table(dealer_id)
    audit.record(actor=actor, action=AuditCode.CADENCE_SET, object_type="dealer", object_id=dealer_id, dealer_id=dealer_id,
                 before=before, after=after)
    return after
