"""The bounds every value obeys where it comes in: model fields, API schemas, services and forms.

Why one module, and why here: a field's limits (how long a name may be, how large an amount,
which dates make sense) are stated once, as validators on the model field. The JSON API
(pydantic, through :func:`api_type`), the services (through :func:`check_fields`, which the
HTML forms and imports reach) and the OpenAPI document (``maxLength``, ``minimum``,
``maximum``) all read them from there, so they cannot drift apart. The module sits at the
package root below every app and imports none of them (only Django, pydantic and ninja), so
customers, sales and the apps still to come can all use it without an arrow upwards.

Numbers are strict at the API: ``true`` is not 1, ``1e20`` and ``"5"`` are not integers.
Dates are ``YYYY-MM-DD`` text (never a number of seconds) between 1900 and 2100 unless the
model field says otherwise. Text never holds NUL characters (PostgreSQL cannot store them).
"""

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import connection, models
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.schema import DjangoGetter
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Strict,
    model_validator,
)

#: Money in integer cents: a car sale is below 10^10 cents (100 million yuan).
MAX_CENTS = 10**10 - 1
#: Record ids are PostgreSQL ``bigint`` (``BigAutoField``).
MAX_ID = 2**63 - 1
#: Free text without a column limit (notes, descriptions): about four pages.
MAX_TEXT = 10_000
#: How many ids one request may name (invitations, a part of a portfolio).
MAX_IDS = 5_000
#: Dates a person can mean: a birthday, a purchase, a follow-up.
MIN_DATE, MAX_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
#: The same bound in yuan, for forms where people type yuan.
MAX_YUAN = Decimal(MAX_CENTS) / 100
#: Counts: people in one showroom party, one month's target figure, a car's odometer.
MAX_PARTY, MAX_TARGET, MAX_MILEAGE_KM = 100, 100_000, 3_000_000
#: The window of a list page.
MAX_LIMIT, MAX_OFFSET = 1000, 10**9


# -- validators for model fields (the single source) ---------------------------------------

def money() -> list:
    """Validators of an amount in cents: 0 to ``MAX_CENTS``."""
    return [MinValueValidator(0), MaxValueValidator(MAX_CENTS)]


def count(low: int, high: int) -> list:
    """Validators of a count (people in a party, days, targets)."""
    return [MinValueValidator(low), MaxValueValidator(high)]


def dates() -> list:
    """Validators of a calendar date: 1900-01-01 to 2100-12-31."""
    return [MinValueValidator(MIN_DATE), MaxValueValidator(MAX_DATE)]


def text() -> list:
    """Validators of free text stored without a column limit."""
    return [MaxLengthValidator(MAX_TEXT)]


_NO_NUL = ProhibitNullCharactersValidator()


def limits(field) -> tuple[Any, Any]:
    """The lowest and highest value the model field's validators (or its column) allow."""
    low = high = None
    for validator in field.validators:
        if isinstance(validator, MinValueValidator):
            low = validator.limit_value if low is None else max(low, validator.limit_value)
        elif isinstance(validator, MaxValueValidator):
            high = validator.limit_value if high is None else min(high, validator.limit_value)
    if isinstance(field, (models.IntegerField, models.AutoField)) and not isinstance(field, models.ForeignKey):
        db_low, db_high = connection.ops.integer_field_range(field.get_internal_type())
        db_low = -MAX_ID if db_low is None else max(db_low, -MAX_ID)
        db_high = MAX_ID if db_high is None else min(db_high, MAX_ID)
        low = db_low if low is None else max(low, db_low)
        high = db_high if high is None else min(high, db_high)
    if isinstance(field, models.DateField):
        low = MIN_DATE if low is None else low
        high = MAX_DATE if high is None else high
    return low, high


def max_length(field) -> int:
    """The longest text the model field takes (its column, or its validator for a TextField)."""
    lengths = [v.limit_value for v in field.validators if isinstance(v, MaxLengthValidator)]
    if field.max_length:
        lengths.append(field.max_length)
    return min(lengths) if lengths else MAX_TEXT


class DateInput(forms.DateInput):
    """A date picker (``<input type="date">``) whose value is always written ISO (2025-01-01):
    the browser reads no other form and drops the value, and Django's localised input format
    writes 2025/01/01 in zh-hans, so an edit form showed its dates empty and a required date
    could not be saved again."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def form_limits(model, name: str) -> dict:
    """Keyword arguments that give a Django form field the model field's bounds (``max_length``,
    ``min_value``/``max_value``, or the date range as validators), so a page refuses what the API
    refuses: ``forms.CharField(label=..., **form_limits(Customer, "name"))``."""
    field = model._meta.get_field(name)
    if isinstance(field, (models.CharField, models.TextField)):
        return {"max_length": max_length(field)}
    low, high = limits(field)
    if isinstance(field, models.DateField):
        return {"validators": [MinValueValidator(low), MaxValueValidator(high)]}
    return {"min_value": low, "max_value": high}


def check_fields(model, errors: dict, /, **values) -> None:
    """Put the model field's own complaint about each value on ``errors`` (first one per field),
    so a service that writes with ``objects.create`` refuses what ``full_clean`` would."""
    for name, value in values.items():
        if value is None or name in errors:
            continue
        field = model._meta.get_field(name)
        try:
            if isinstance(value, str):
                _NO_NUL(value)
            if field.max_length and isinstance(value, str) and len(value) > field.max_length:
                raise ValidationError(_("Use at most %(n)d characters.") % {"n": field.max_length})
            if isinstance(field, models.DateField) and isinstance(value, dt.date):
                low, high = limits(field)
                day = value.date() if isinstance(value, dt.datetime) else value
                if not (low <= day <= high):
                    raise ValidationError(_("Enter a date between %(low)s and %(high)s.") % {"low": low, "high": high})
            field.run_validators(value)
        except ValidationError as exc:
            errors[name] = exc.messages[0]


def no_nul(value: str) -> None:
    """Refuse text with NUL characters (the form fields do the same)."""
    _NO_NUL(value)


class CentsSum(Sum):
    """``Sum`` of an amount in cents that never overflows. SQLite's ``SUM()`` raises "integer
    overflow" past 2**63 (one absurd amount stored before these bounds made a customer's card
    answer 500 for everyone); its ``TOTAL()`` adds in floating point instead, exact to the cent up
    to 2**53 cents (90 trillion yuan). PostgreSQL sums ``bigint`` into ``numeric``: no overflow."""

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="TOTAL", **extra_context)

    def get_db_converters(self, connection):
        return [*super().get_db_converters(connection), _whole_cents]


def _whole_cents(value, expression, connection):
    return None if value is None else int(value)


# -- pydantic types for the API --------------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _nul_free(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Text cannot contain NUL characters.")
    return value


def _date_text(value):
    """A date as text (``YYYY-MM-DD``) or a date; never a number of seconds."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        return value.strip()
    raise ValueError("Enter a date as YYYY-MM-DD.")


def _moment_text(value):
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_MOMENT.match(value.strip()):
        return value.strip()
    raise ValueError("Enter a date and time as YYYY-MM-DDTHH:MM (ISO 8601).")


def _between(low, high):
    def check(value):
        day = value.date() if isinstance(value, dt.datetime) else value
        if not low <= day <= high:
            raise ValueError(f"Enter a date between {low.isoformat()} and {high.isoformat()}.")
        return value

    return check


def _aware(value: dt.datetime) -> dt.datetime:
    """A time without an offset is the dealer's local time (``RETAIN_TIME_ZONE``)."""
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def day(low: dt.date = MIN_DATE, high: dt.date = MAX_DATE):
    """A date from ``YYYY-MM-DD`` text, between ``low`` and ``high``; for bodies and queries."""
    return Annotated[dt.date, BeforeValidator(_date_text), AfterValidator(_between(low, high)),
                     Field(description=f"YYYY-MM-DD, {low.isoformat()} to {high.isoformat()}.")]


def moment(low: dt.date = MIN_DATE, high: dt.date = MAX_DATE):
    """A date and time (ISO 8601; without an offset it is local time) within the years allowed."""
    return Annotated[dt.datetime, BeforeValidator(_moment_text), AfterValidator(_between(low, high)),
                     AfterValidator(_aware)]


def integer(low: int, high: int, *, strict: bool = True):
    """A whole number from ``low`` to ``high``: strict in a JSON body (no ``true``, ``1.0`` or
    ``"1"``); lax (``strict=False``) in a query string, where every value is text."""
    constraints = [Field(ge=low, le=high)]
    return Annotated[int, Strict(), *constraints] if strict else Annotated[int, *constraints]


def string(length: int):
    """Text of at most ``length`` characters without NUL."""
    return Annotated[str, Strict(), Field(max_length=length), AfterValidator(_nul_free)]


def _month_in_range(value: str) -> str:
    year, month = int(value[:4]), int(value[5:7])
    if not (MIN_DATE.year <= year <= MAX_DATE.year and 1 <= month <= 12):
        raise ValueError(f"Enter a month from {MIN_DATE:%Y-%m} to {MAX_DATE:%Y-%m}.")
    return value


#: A month as ``YYYY-MM`` (or a day of it, ``YYYY-MM-DD``), text in a body or a query.
Month = Annotated[str, Strict(), Field(pattern=r"^\d{4}-\d{2}(-\d{2})?$", description="YYYY-MM"),
                  AfterValidator(_month_in_range)]
#: A record id in a JSON body.
Id = integer(1, MAX_ID)
#: A record id in a query string.
QueryId = integer(1, MAX_ID, strict=False)
#: A list of record ids in a JSON body.
IdList = Annotated[list[Id], Field(max_length=MAX_IDS)]
#: Money in integer cents in a JSON body.
Cents = integer(0, MAX_CENTS)
#: A calendar date (body or query).
Day = day()


def api_type(model, name: str, *, length: int | None = None):
    """The pydantic type of a model field, with its bounds: text (``max_length`` from the model,
    or ``length`` where raw input is longer than the normalised value, as a mobile with spaces),
    choices as a closed set, strict whole numbers and booleans, dates and times within range, and
    ``None`` only where the column allows it. Use as ``name: api_type(Customer, "name")``; add
    ``= None`` for an optional field of a PATCH: omitting it is fine, sending ``null`` is not."""
    field = model._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        kind = Id
    elif field.choices:
        values = [value for value, _label in field.flatchoices]
        values += [""] if field.blank and "" not in values else []
        kind = Literal[tuple(values)]  # type: ignore[valid-type]
    elif isinstance(field, (models.CharField, models.TextField)):
        kind = string(length or max_length(field))
    elif isinstance(field, models.BooleanField):
        kind = Annotated[bool, Strict()]
    elif isinstance(field, models.DateTimeField):
        kind = moment(*limits(field))
    elif isinstance(field, models.DateField):
        kind = day(*limits(field))
    elif isinstance(field, (models.IntegerField, models.AutoField)):
        kind = integer(*limits(field))
    else:  # pragma: no cover - a new kind of field must be given its bounds here
        raise TypeError(f"no API type for {type(field).__name__} {model.__name__}.{name}")
    return kind | None if field.null else kind


class Input(Schema):
    """Base of every request body: a JSON object with only the fields the schema names."""

    model_config: ClassVar[ConfigDict] = ConfigDict(**Schema.model_config, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data):
        # ninja validates a forbidding schema twice: the body as sent, then wrapped for its resolvers.
        if not isinstance(data, (dict, DjangoGetter)):
            raise ValueError("The body must be a JSON object.")  # noqa: TRY004 - pydantic reports ValueError
        return data


class Page(LimitOffsetPagination):
    """ninja's limit/offset pagination with the window bounded (a huge offset crashed SQLite)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT}.")
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
