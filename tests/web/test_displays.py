"""``get_FOO_display`` (``retain.web.displays``) answers what Django's own does, for every field
with choices of every model, each value and one that is not a choice, in both languages."""

from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Model
from django.utils import translation

from retain.customers.models import Classification, Customer
from retain.web import displays

FIELDS = [(model, field) for model in apps.get_models(include_auto_created=True)
          for field in model._meta.concrete_fields if field.choices is not None]


def test_every_choice_field_of_the_project_is_replaced():
    project = [(model, field) for model, field in FIELDS if model.__module__.startswith("retain.")]
    assert len(project) > 80
    for model, field in project:
        assert model.__dict__[f"get_{field.name}_display"].func is displays.display, (model, field.name)
    assert displays.install() == 0  # already done once, by WebConfig.ready


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_labels_are_djangos(language):
    with translation.override(language):
        for model, field in FIELDS:
            for value in [choice for choice, _ in field.flatchoices] + ["not-a-choice", None]:
                instance = model()
                setattr(instance, field.attname, value)
                assert instance._get_FIELD_display(field) == displays.display(instance, field), (model, field.name, value)
                assert getattr(instance, f"get_{field.name}_display")() == Model._get_FIELD_display(instance, field)


def test_a_label_follows_the_active_language():
    customer = Customer(classification=Classification.OWN_SOLD)
    with translation.override("zh-hans"):
        chinese = customer.get_classification_display()
    with translation.override("en"):
        english = customer.get_classification_display()
    assert chinese != english and english == str(Classification.OWN_SOLD.label)



def test_new_choices_are_seen_and_callable_choices_are_read_each_time():
    field = models.CharField(max_length=5, choices=[("a", "first")])
    field.set_attributes_from_name("grade")
    row = SimpleNamespace(grade="a")
    assert displays.display(row, field) == "first"
    field.choices = [("a", "second")]
    assert displays.display(row, field) == "second"
    answers = iter(["third", "fourth"])
    field = models.CharField(max_length=5, choices=lambda: [("a", next(answers))])
    field.set_attributes_from_name("grade")
    assert (displays.display(row, field), displays.display(row, field)) == ("third", "fourth")
