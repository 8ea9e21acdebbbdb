"""``get_FOO_display()`` that translates the one label it shows, not every label of the field.

Why: Django's ``Model._get_FIELD_display`` builds ``dict(make_hashable(field.flatchoices))`` on
every call, and making the choices hashable hashes each lazily translated label, which translates
it: a field of 13 choices costs 13 ``gettext`` calls, about 35 µs, per value shown. The customer
card showed some 50 such values and a consultant's today page some 75 (a tenth of the page's CPU).

:func:`install` (called from ``WebConfig.ready``, after every model is loaded) points each model's
``get_FOO_display`` that Django made at :func:`display`, which answers exactly as Django does (the
label of the value in the active language, else the value itself) from a dict whose labels stay
lazy, so it holds no language and serves every request. It is kept per field for as long as the
field holds the same list of choices; choices given as a callable are read on every call, as
Django does. A ``get_FOO_display`` a model defines itself is left alone.
"""

from functools import partialmethod

from django.apps import apps
from django.db.models import Model
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_kept: dict = {}  # field -> (its choices, {value: lazy label})


def _labels(field) -> dict:
    choices = field.choices
    kept = _kept.get(field)
    if kept is not None and kept[0] is choices:
        return kept[1]
    labels = {make_hashable(choice): label for choice, label in field.flatchoices}
    if isinstance(choices, (list, tuple)):  # not a callable's answer, which may change
        _kept[field] = (choices, labels)
    return labels


def display(instance: Model, field) -> str:
    """The label of ``instance``'s value of ``field``, as ``Model._get_FIELD_display`` gives it."""
    value = getattr(instance, field.attname)
    return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)


def install() -> int:
    """Replace Django's ``get_FOO_display`` on every model; answers how many were replaced."""
    replaced = 0
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            name = f"get_{field.name}_display"
            made = model.__dict__.get(name)
            if isinstance(made, partialmethod) and made.func is Model._get_FIELD_display:
                setattr(model, name, partialmethod(display, field=made.keywords["field"]))
                replaced += 1
    return replaced
