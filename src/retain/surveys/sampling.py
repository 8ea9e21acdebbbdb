"""Who is asked, and by which survey: the rules of distribution that do not write anything.

- ``rule_for(dealer_id, trigger)``: a dealer's active sampling rule for a trigger (the cases app
  calls it when a case closes: ``rule_for(dealer, Trigger.CASE)`` gives the survey and the delay,
  then ``services.invitations.invite(..., trigger=Trigger.CASE, key=f"case:{case.pk}")``).
- ``drawn(key, rate_percent)``: the sampling draw. Deterministic (a hash of the occurrence's key),
  so a rerun of a day draws the same events and the job stays idempotent without storing the
  draws; over many keys the share drawn is the rate.
- ``survey_usable_at(survey, dealer)``: a group's survey serves every dealer of the group, a
  dealer's own copy serves that dealer only.
- ``served_by(customer, transaction)``: who served the customer, the person an answer is about.
"""

import calendar
import datetime as dt
import hashlib

from retain.customers.models import TransactionKind

from .models import SamplingRule, SurveyKind, Trigger

#: The transactions an event trigger follows.
TRANSACTION_KINDS = {
    Trigger.DELIVERY: (TransactionKind.VEHICLE_SALE,),
    Trigger.REPAIR: (TransactionKind.SERVICE, TransactionKind.INSURANCE_CLAIM),
}
#: The kinds of survey a rule of each trigger may send (a dealer's own ``custom`` survey too).
RULE_SURVEY_KINDS = {
    Trigger.DELIVERY: (SurveyKind.CSS_SALES, SurveyKind.TOUCHPOINT, SurveyKind.CUSTOM),
    Trigger.REPAIR: (SurveyKind.CSS_AFTER_SALES, SurveyKind.TOUCHPOINT, SurveyKind.CUSTOM),
    Trigger.CASE: (SurveyKind.CSS_AFTER_SALES, SurveyKind.NPS, SurveyKind.CUSTOM),
    Trigger.PERIODIC: (SurveyKind.NPS, SurveyKind.LOYALTY, SurveyKind.KANO, SurveyKind.CUSTOM),
}
#: A periodic rule without ``every_months``: once a year.
DEFAULT_EVERY_MONTHS = 12
#: Resolution of the draw: rates are whole percents, the hash is read to 1/10,000.
_DRAW_SCALE = 10_000


def rule_for(dealer_id: int, trigger: str) -> SamplingRule | None:
    """The dealer's active sampling rule for ``trigger`` with an active survey, or None."""
    return (SamplingRule.objects.filter(dealer_id=dealer_id, trigger=trigger, active=True, survey__active=True)
            .select_related("survey").first())


def draw(key: str) -> int:
    """The occurrence's place in 0..9,999, fixed by its key."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % _DRAW_SCALE


def drawn(key: str, rate_percent: int) -> bool:
    """Whether the occurrence ``key`` is in the sample of ``rate_percent`` %."""
    return draw(key) < rate_percent * (_DRAW_SCALE // 100)


def survey_usable_at(survey, dealer) -> bool:
    """A survey of the dealer's group for all its dealers, or the dealer's own copy."""
    return survey.group_id == dealer.region.group_id and survey.dealer_id in (None, dealer.pk)


def served_by(customer, transaction=None):
    """The staff id who served: a sale's consultant (the customer's owner), a repair's service
    advisor; without a transaction, the customer's owner."""
    if transaction is not None and transaction.kind in TRANSACTION_KINDS[Trigger.REPAIR]:
        return customer.service_advisor_id
    return customer.owner_id


def months_back(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
