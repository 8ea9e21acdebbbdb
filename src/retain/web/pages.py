"""The one home of what every app's pages share: a service's ``ValidationError`` shown next to
the fields it names, the post -> service -> redirect flow, forms fetched when their fold opens,
and dates read from a request.

Pages are thin: they parse what a person typed, call a service, and render. A service refuses
with ``ValidationError({field: message})``; the page shows that same message beside the field
(the API answers 422 with it). Imports nothing of the apps, so every app may use it.
"""

import datetime as dt
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date as _parse_iso_date
from django.utils.translation import gettext as _

from retain.bounds import MAX_DATE, MIN_DATE


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's refusal on the form: on the fields it names, the rest above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def error_dict(exc: ValidationError) -> dict:
    """A service's ``ValidationError`` as {field: [messages]} for pages without a form object."""
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def form_errors_as_messages(request, form: forms.Form) -> None:
    """Flash a form's errors (label: message) for a page that redirects instead of re-rendering."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


def post_and_redirect(request, form: forms.Form, action: Callable[[dict], object], *, success: str, to,
                      **to_kwargs):
    """Post/Redirect/Get: when the form is valid, run ``action(cleaned_data)`` (a service call);
    on success flash ``success`` and answer a redirect to ``to`` (a URL, or a URL name with its
    ``to_kwargs``). Answers ``None`` when the page
    must be shown again: the form then carries the field errors or the service's refusal."""
    if not form.is_valid():
        return None
    try:
        action(form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return None
    messages.success(request, success)
    return redirect(to, **to_kwargs)


def parse_date(value, field: str, *, default: dt.date | None = None) -> dt.date:
    """A date typed as YYYY-MM-DD. Empty gives ``default`` (an error if there is none); anything
    that is not a real date between 1900 and 2100 is an error on ``field``, never silently today."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        parsed = value
    else:
        text = value.strip() if isinstance(value, str) else None
        if value is None or text == "":
            if default is not None:
                return default
            raise ValidationError({field: _("Enter a date.")})
        try:
            parsed = _parse_iso_date(text) if text is not None else None  # never a date from a number
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationError({field: _("Enter a date as YYYY-MM-DD.")})
    if not MIN_DATE <= parsed <= MAX_DATE:
        raise ValidationError({field: _("Enter a date between 1900 and 2100.")})
    return parsed


def date_param(request, name: str = "date", *, default: dt.date | None = None) -> dt.date:
    """A date from the query string (``?date=``), checked as ``parse_date`` does."""
    return parse_date(request.GET.get(name, ""), name, default=default)


def fold_form(request, *, title: str, form: forms.Form, target: str, submit: str, back_url: str, back_label: str):
    """An empty form that a page offers folded (``web/_fold.html``: a ``<details>`` that fetches it
    when first opened): the fragment for htmx, or a page of its own without it. The page that folds
    its forms renders none of them, so it costs the same whatever forms it offers."""
    context = {"title": title, "form": form, "target": target, "submit": submit, "back_url": back_url,
               "back_label": back_label}
    return render(request, "web/_fold_form.html" if request.htmx else "web/fold_form.html", context)
