"""Audit rows as a reader reads them: the action's label, what was touched, and each change as
``field: before -> after`` with the field's verbose name and the value's label, in the reader's
language. Used by the audit log page and the customer card's timeline.

The stored row keeps codes and raw values (that is what the hash chain covers); everything
here is presentation. Field names are looked up on the model the row's ``object_type`` names
(through the app registry, so org imports no other app); keys that are not model fields use
``EXTRA_LABELS``.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit_codes import AuditCode
from .audit_codes import label as action_label

#: Labels of keys that audit rows carry but that are not fields of the object's model.
EXTRA_LABELS = {
    "tags": gettext_lazy("tags"),
    "rows": gettext_lazy("rows"),
    "filters": gettext_lazy("filters"),
    "unmasked": gettext_lazy("unmasked columns"),
    "username": gettext_lazy("username"),
    "failures": gettext_lazy("failed attempts"),
    "month": gettext_lazy("month"),
    "consultant": gettext_lazy("consultant"),
    "customers": gettext_lazy("customers"),
    "invited": gettext_lazy("invited"),
    "skipped": gettext_lazy("skipped"),
    "no_consent": gettext_lazy("without consent"),
    "absorbed": gettext_lazy("merged in"),
    "filled": gettext_lazy("filled in"),
    "analyses": gettext_lazy("analyses"),
    "as_of": gettext_lazy("as of"),
    "scale": gettext_lazy("scale"),
    "seed": gettext_lazy("seed"),
    "purpose": gettext_lazy("purpose"),
    "staff": gettext_lazy("staff member"),
    "q": gettext_lazy("search"),
}
EMPTY = "—"


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None: the row has no "before" side (a creation, a read)
    after: str | None


@dataclass(frozen=True)
class Entry:
    event: object
    label: str
    subject: str
    changes: list[Change]


@cache
def _model(object_type: str):
    for model in apps.get_models():
        if model._meta.model_name == object_type:
            return model
    return None


def _field(model, key: str):
    if model is None:
        return None
    for name in (key, key[:-3] if key.endswith("_id") else None):
        if name:
            try:
                return model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
    return None


def _field_label(model, key: str) -> str:
    field = _field(model, key)
    if field is not None and field.concrete:
        return str(field.verbose_name)
    if field is not None:  # a reverse relation ("vehicles": 2 moved by a merge): the other model's plural
        return str(field.related_model._meta.verbose_name_plural)
    return str(EXTRA_LABELS.get(key, key.replace("_", " ")))


def _target(field):
    """The model a stored id points at, for a foreign key of this row's model (not a reverse
    relation, whose value in a row is a count)."""
    if field is not None and field.concrete and (field.many_to_one or field.one_to_one):
        return field.related_model
    return None


def _names(events) -> dict:
    """What the ids in the rows point at (a staff member, a dealer, the customer merged into),
    fetched once per model per page: ``{(model, pk): str(object)}``. The rows a reader sees are
    already within their audit scope, and so are the records they name."""
    wanted = defaultdict(set)
    for event in events:
        model = _model(event.object_type)
        for side in (event.before, event.after):
            for key, value in (side or {}).items():
                target = _target(_field(model, key))
                if target is not None and isinstance(value, int) and not isinstance(value, bool):
                    wanted[target].add(value)
    names = {}
    for target, pks in wanted.items():
        for obj in target._base_manager.filter(pk__in=pks):
            names[(target, obj.pk)] = str(obj)
    return names


def _when(text: str) -> str | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if "T" not in text:
        return formats.date_format(value.date(), "Y-m-d")
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "Y-m-d H:i")


def _value(model, key: str, value, names: dict) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    field = _field(model, key)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "、".join(_value(model, key, item, names) for item in value) or EMPTY
    if isinstance(value, dict):
        return "; ".join(f"{_field_label(model, k)}: {_value(model, k, v, names)}" for k, v in value.items())
    target = _target(field)
    if target is not None and isinstance(value, int):
        return names.get((target, value), f"#{value}")
    choices = dict(field.flatchoices) if field is not None and getattr(field, "choices", None) else {}
    if value in choices:
        return str(choices[value])
    if key.endswith("_cents") and isinstance(value, int):
        return f"¥{value / 100:,.2f}"
    if isinstance(value, str) and len(value) >= 10 and value[:4].isdigit() and value[4] == "-":
        return _when(value) or value
    return str(value)


def _subject(event) -> str:
    model = _model(event.object_type)
    kind = str(model._meta.verbose_name) if model is not None else event.object_type
    if event.object_id in ("", "*"):
        return kind
    return f"{kind} #{event.object_id}"


def _changes(event, names: dict) -> list[Change]:
    """The event's changes, ids shown as names from ``names`` (looked up once for a whole page)."""
    model = _model(event.object_type)
    before, after = event.before or {}, event.after or {}
    has_before = event.before is not None
    keys = list(dict.fromkeys([*before, *after]))
    return [Change(field=_field_label(model, key),
                   before=_value(model, key, before.get(key), names) if has_before else None,
                   after=_value(model, key, after.get(key), names) if key in after else None)
            for key in keys]


def present(events) -> list[Entry]:
    """The rows of one page, ready for a template (one query for the names they mention)."""
    events = list(events)
    names = _names(events)
    return [Entry(event=event, label=action_label(event.action), subject=_subject(event),
                  changes=_changes(event, names)) for event in events]


def code_choices() -> list[tuple[str, str]]:
    """For the audit page's filter: every code with its label, by label."""
    return sorted(((code.value, str(code.label)) for code in AuditCode), key=lambda pair: pair[1])

