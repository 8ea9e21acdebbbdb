"""The detractor lifecycle after a case (issue 10, item 5; seed 003: detect, contact, recover,
convert): the re-survey after closure, and the funnel with its rates.

**Re-survey.** A dealer that wants closed cases re-surveyed gives the surveys' sampling rule for
the trigger "after a closed case" (which survey, how many days after closing, what share). The
job ``cases.resurvey`` invites, for each such rule, the customers whose case closed that many days
before the day (or up to ``CATCH_UP_DAYS`` earlier, should a run have been missed), through the
surveys' own ``invite`` with the key ``case:<id>`` (so one invitation per case, however often the
job runs). Consent and the blacklist hold as for any survey; contact fatigue does not (the
surveys' rule for this trigger).

**Funnel.** Of the cases a detractor's answer opened in a period: detected (all), contacted (first
contact made), recovered (closed with the customer satisfied), re-surveyed (invited), answered
(the re-survey counted) and converted (answered 9-10 to "would you recommend"). The *conversion
rate* is converted / answered and the *recovery rate* recovered / closed, each with its Wilson
interval (``retention.wilson_interval``).
"""

import datetime as dt
from collections import Counter

import numpy as np
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.analytics.retention import wilson_interval
from retain.jobs.registry import periodic
from retain.org.policy import Action
from retain.surveys.models import Answer, Invitation, QuestionKind, Response, SamplingRule, Trigger
from retain.surveys.sampling import drawn
from retain.surveys.services.invitations import invite

from .access import visible_cases
from .models import Case, CaseStatus, Channel, Outcome

#: How far back a re-survey run looks for closed cases it has not invited yet.
CATCH_UP_DAYS = 7
#: A re-survey answer of at least this to "would you recommend" converts a detractor.
PROMOTER = 9
CONFIDENCE = 0.95


def resurvey_key(case_id: int) -> str:
    return f"case:{case_id}"


def _closed_between(dealer_id: int, first: dt.date, last: dt.date):
    start = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time()))
    return Case.objects.filter(dealer_id=dealer_id, status=CaseStatus.CLOSED, closed_at__gte=start, closed_at__lt=end)


def resurvey_day(day: dt.date) -> Counter:
    """Invite the customers of the cases due a re-survey on ``day``; a count of what happened
    (``invited``, ``not_sampled``, ``refused`` with the surveys' reason, ``done`` before)."""
    tally: Counter = Counter()
    for rule in SamplingRule.objects.filter(trigger=Trigger.CASE, active=True, survey__active=True):
        last = day - dt.timedelta(days=rule.delay_days)
        due = list(_closed_between(rule.dealer_id, last - dt.timedelta(days=CATCH_UP_DAYS), last)
                   .values_list("pk", "customer_id"))
        keys = {resurvey_key(pk) for pk, _customer in due}
        used = set(Invitation.objects.filter(key__in=keys).values_list("key", flat=True))
        for pk, customer_id in due:
            key = resurvey_key(pk)
            if key in used:
                tally["done"] += 1
            elif not drawn(key, rule.rate_percent):
                tally["not_sampled"] += 1
            else:
                try:
                    invite(actor=None, survey_id=rule.survey_id, customer_id=customer_id, trigger=Trigger.CASE,
                           key=key, day=day)
                except ValidationError:
                    tally["refused"] += 1
                else:
                    tally["invited"] += 1
    return tally


@periodic("cases.resurvey", at="10:15", description=_("Re-survey the customers of closed cases"))
def resurvey(day: dt.date) -> str:
    tally = resurvey_day(day)
    return f"{day}: " + ", ".join(f"{tally[k]} {k}" for k in ("invited", "not_sampled", "refused", "done"))


def rate(successes: int, n: int) -> dict:
    """A share with its Wilson interval, as the pages show it (all None when n is 0)."""
    if not n:
        return {"value": None, "low": None, "high": None, "n": 0, "k": 0}
    low, high = wilson_interval(np.array([successes]), np.array([n]), CONFIDENCE)
    return {"value": round(successes / n, 4), "low": round(float(low[0]), 4), "high": round(float(high[0]), 4),
            "n": int(n), "k": int(successes)}


def funnel(actor, *, start: dt.date, end: dt.date, dealer_id: int | None = None) -> dict:
    """The detractor funnel of the cases a survey answer opened between ``start`` and ``end``
    (the opening day, inclusive) in the actor's scope, with the conversion and recovery rates."""
    first = timezone.make_aware(dt.datetime.combine(start, dt.time()))
    after = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    cases = visible_cases(actor, Action.VIEW_CASES).filter(channel=Channel.SURVEY, opened_at__gte=first,
                                                           opened_at__lt=after)
    if dealer_id:
        cases = cases.filter(dealer_id=dealer_id)
    rows = list(cases.values_list("pk", "first_contact_at", "status", "outcome"))
    keys = {resurvey_key(pk): pk for pk, *_rest in rows}
    promoter = Answer.objects.filter(response=OuterRef("pk"), question__kind=QuestionKind.NPS, number__gte=PROMOTER)
    answered = dict(Response.objects.filter(invitation__key__in=keys, counted=True, submitted_at__isnull=False)
                    .annotate(converted=Exists(promoter)).values_list("invitation__key", "converted"))
    invited = set(Invitation.objects.filter(key__in=keys).values_list("key", flat=True))
    closed = [row for row in rows if row[2] == CaseStatus.CLOSED]
    recovered = sum(1 for row in closed if row[3] == Outcome.SATISFIED)
    converted = sum(1 for flag in answered.values() if flag)
    return {
        "detected": len(rows), "contacted": sum(1 for row in rows if row[1] is not None), "closed": len(closed),
        "recovered": recovered, "resurveyed": len(invited), "answered": len(answered), "converted": converted,
        "conversion": rate(converted, len(answered)), "recovery": rate(recovered, len(closed)),
    }
