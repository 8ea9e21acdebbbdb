"""Frames of counted answers, read through the door in one query each (issue 9, item 5).

What is scored: responses with ``counted=True`` and ``submitted_at`` set (a flagged answer is kept
but not counted until a manager's review keeps it; a partial answer is not an answer), within the
actor's scope for ``view_results`` (``access.visible_responses``: a consultant or service advisor
sees the answers of the customers they served, a manager their dealer's, and so on).

Which answers: all versions of the group's and its dealers' surveys of one *kind* (``css_after_sales``
...), read together by question code (codes are stable across versions, so a dealer's edited
copy and the group's preset add up); a ``custom`` survey is read alone. Filters: dealer, period
(``answered_on``, the dealer-local day of the answer, inclusive), the staff member who served.

How: the database does the work. ``wide`` reads one row per response and one column per question
code from the response's own ``scores`` (its numeric answers by code, written with the answers),
so a year of a group's answers arrives as one result set of only the needed columns, without
touching the answer rows (ten or so per response); ``histogram``
counts answers per (group, value) for statistics that only need the distribution (NPS), so
hundreds of thousands of answers arrive as a few hundred rows. No per-row query, no cache.
"""

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    FloatField,
    IntegerField,
    OuterRef,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.bounds import MAX_DATE, MIN_DATE
from retain.customers.models import Transaction, TransactionKind
from retain.org.policy import Action

from .access import visible_responses
from .models import Answer, Question, QuestionKind, Survey, SurveyKind
from .texts import localised

#: The default period: the last twelve months to today.
DEFAULT_DAYS = 365
#: The response columns every wide frame starts with.
RESPONSE_COLUMNS = ("id", "dealer_id", "staff_id")


@dataclass(frozen=True)
class Filters:
    """What a results page or endpoint reads: one survey kind (or one custom survey), a period of
    answer days (inclusive), and optionally one dealer and one staff member who served."""

    kind: str
    start: dt.date
    end: dt.date
    dealer_id: int | None = None
    staff_id: int | None = None
    survey_id: int | None = None  # a custom survey is read alone
    action: str = Action.VIEW_RESULTS  # whose door: viewing, or exporting (``export_results``)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Filters":
        """The period of equal length just before this one (what a change is measured against)."""
        end = self.start - dt.timedelta(days=1)
        return replace(self, start=end - dt.timedelta(days=self.days - 1), end=end)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "from": self.start.isoformat(), "to": self.end.isoformat(),
                "dealer": self.dealer_id, "served_by": self.staff_id, "survey": self.survey_id}


def period(start: dt.date | None, end: dt.date | None, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The period asked for: ``to`` defaults to today, ``from`` to a year before ``to``; both
    within 1900-2100 and in order, else ``ValidationError`` naming the field (``from``, ``to``)."""
    end = end or today or timezone.localdate()
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    for field, value in (("from", start), ("to", end)):
        if not MIN_DATE <= value <= MAX_DATE:
            raise ValidationError({field: _("Enter a date between 1900 and 2100.")})
    if start > end:
        raise ValidationError({"to": _("The end date is before the start date.")})
    return start, end


@dataclass(frozen=True)
class QuestionInfo:
    """A question code as the analysis reads it (from the newest version that asks it)."""

    code: str
    kind: str
    role: str
    label: str
    weight: float | None
    touchpoint: str
    position: int
    scale: tuple[float, float]
    items: tuple[str, ...]


def _group_surveys(actor, filters: Filters):
    """The surveys read together: the actor's group's surveys of the kind (a custom one alone)."""
    surveys = Survey.objects.filter(group_id=getattr(actor, "group_id", None))
    if filters.kind == SurveyKind.CUSTOM:
        return surveys.filter(pk=filters.survey_id)
    return surveys.filter(kind=filters.kind)


def questions(actor, filters: Filters) -> dict[str, QuestionInfo]:
    """The codes asked by the surveys read, in question order, each as its newest version words it.
    One query."""
    found: dict[str, QuestionInfo] = {}
    rows = (Question.objects.filter(version__survey__in=_group_surveys(actor, filters).values("pk"))
            .order_by("version__number", "version_id", "position")
            .values_list("code", "kind", "role", "text", "weight", "touchpoint", "position", "scale_min",
                         "scale_max", "items"))
    for code, kind, role, text, weight, touchpoint, position, low, high, items in rows:
        if kind == QuestionKind.NPS:
            low, high = 0, 10
        scale = (float(low if low is not None else 1), float(high if high is not None else 10))
        codes = tuple(str(item.get("code")) for item in (items or []) if isinstance(item, dict))
        found[code] = QuestionInfo(code, kind, role, localised(text), weight, touchpoint, position, scale, codes)
    return dict(sorted(found.items(), key=lambda pair: pair[1].position))


def responses(actor, filters: Filters):
    """The counted, submitted responses in scope that the filters select (a queryset)."""
    chosen = visible_responses(actor, filters.action).filter(
        counted=True, submitted_at__isnull=False, answered_on__gte=filters.start, answered_on__lte=filters.end,
        survey_id__in=_group_surveys(actor, filters).values("pk"))
    if filters.dealer_id:
        chosen = chosen.filter(dealer_id=filters.dealer_id)
    if filters.staff_id:
        chosen = chosen.filter(staff_id=filters.staff_id)
    return chosen


def wide(actor, filters: Filters, codes) -> pd.DataFrame:
    """One row per counted response and one float column per question code (NaN: not answered),
    after the response columns (``RESPONSE_COLUMNS``). One query, of the responses alone: each
    carries its numeric answers by code (``Response.scores``). Its rows go straight from the
    cursor into the frame: every column is a number, so the ORM's per-row conversion (a third of
    the time for a year of a group's answers) has nothing to do."""
    codes = list(codes)
    scores = {f"q__{i}": Cast(KT(f"scores__{code}"), FloatField()) for i, code in enumerate(codes)}
    chosen = responses(actor, filters).order_by().annotate(**scores).values_list(*RESPONSE_COLUMNS, *scores)
    sql, params = chosen.query.get_compiler(using=chosen.db).as_sql()
    with connections[chosen.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=[*RESPONSE_COLUMNS, *codes], coerce_float=True)
    for code in codes:
        frame[code] = frame[code].astype(float)
    return frame


def histogram(actor, filters: Filters, code: str, *, by: tuple[str, ...] = ("dealer_id",), monthly: bool = False,
              since: dt.date | None = None) -> pd.DataFrame:
    """How many counted answers to ``code`` took each value, per ``by`` (response fields) and, if
    ``monthly``, per month of the answer; with ``since`` (a day before the period), the period is
    widened back to it and a column ``current`` says which rows fall in the period itself (1) and
    which before it (0). Columns: ``by``..., [month], [current], value, n. One query."""
    chosen = responses(actor, filters)
    current = {}
    if since is not None:
        chosen = responses(actor, replace(filters, start=since))
        current = {"current": Case(When(answered_on__gte=filters.start, then=Value(1)), default=Value(0),
                                   output_field=IntegerField())}
    month = {"month": TruncMonth("answered_on")} if monthly else {}
    keys = [*by, *month, *current]
    rows = (chosen.filter(answers__question__code=code, answers__number__isnull=False).order_by()
            .annotate(**month, **current).values(*keys, "answers__number").annotate(n=Count("id"))
            .values_list(*keys, "answers__number", "n"))
    frame = pd.DataFrame.from_records(list(rows), columns=[*keys, "value", "n"])
    frame["value"] = frame["value"].astype(float)
    frame["n"] = frame["n"].astype(np.int64)
    if monthly:
        frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")
    return frame


def structured(actor, filters: Filters, codes) -> pd.DataFrame:
    """The structured answers (Kano pairs, allocations) to ``codes``: one row per answer with
    response id, code and the JSON value. One query."""
    rows = (Answer.objects.filter(response__in=responses(actor, filters).values("pk"), question__code__in=list(codes),
                                  value__isnull=False)
            .values_list("response_id", "question__code", "value"))
    return pd.DataFrame.from_records(list(rows), columns=["response_id", "code", "value"])


def mean_allocation(actor, filters: Filters, code: str, items) -> tuple[pd.Series, int]:
    """The mean points each item got in the 100-point allocation question ``code`` (an item an
    answer left out counts 0), and how many answered it. One aggregate query: the allocations
    are averaged by the database, not fetched."""
    items = list(items)
    means = {f"m__{i}": Avg(Coalesce(Cast(KT(f"value__{item}"), FloatField()), Value(0.0)))
             for i, item in enumerate(items)}
    found = Answer.objects.filter(response__in=responses(actor, filters).values("pk"), question__code=code,
                                  value__isnull=False).aggregate(n=Count("id"), **means)
    return pd.Series([found[key] for key in means], index=items, dtype=float), int(found["n"])


def service_returns(actor, filters: Filters, *, until: dt.date, days: int = 365) -> pd.DataFrame:
    """The counted answers given after a repair order dated ``until`` or before, each with
    whether the customer came back for another service transaction (a repair order, at any
    dealer of the base) within ``days`` after the surveyed one. Columns ``id``,
    ``returned``. One query: the database answers each "came back?" through the customers'
    ``(customer, date)`` index (an ``EXISTS`` per answer), so no visit leaves the database."""
    later = Transaction.objects.filter(
        customer_id=OuterRef("customer_id"), kind=TransactionKind.SERVICE, date__gt=OuterRef("transaction__date"),
        date__lte=ExpressionWrapper(OuterRef("transaction__date") + dt.timedelta(days=days),
                                    output_field=DateField()),
    ).exclude(pk=OuterRef("transaction_id"))
    rows = (responses(actor, filters).filter(transaction__kind=TransactionKind.SERVICE, transaction__date__lte=until)
            .order_by().annotate(returned=Exists(later)).values_list("id", "returned"))
    frame = pd.DataFrame.from_records(list(rows), columns=["id", "returned"])
    frame["returned"] = frame["returned"].astype(bool)
    return frame
