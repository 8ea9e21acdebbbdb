"""Outbound messages: the public interface other apps call, and the staff's actions.

Care, surveys, cases and loyalty send through this one function::

    from retain.channels.services import queue_message

    message = queue_message(
        actor=None,                      # a job; or the staff member who asked for it
        customer=customer,               # a Customer (the caller read it through its own door)
        purpose="marketing",             # "service" | "marketing" | "survey" (models.Purpose)
        template_code="care.birthday",   # a kind of kinds.KINDS: it must have this purpose
        context={},                      # the kind's own variables, e.g. {"festival": "中秋节"}
        channel=None,                    # None: the dealer's default (the outbox unless set)
        key=f"care:{rule.pk}:{customer.pk}:{day}",  # one message per key, ever
        vehicle=None,                    # a Vehicle of the customer, for kinds about a car
        origin="care.generate",          # what queued it, shown with the message
    )

It renders the dealer's template of that kind in the customer's language (else the dealer's
default language), applies the send-time rules (``rules``) and returns the saved message:
``queued`` (deferred to the end of quiet hours if it falls in them) or ``suppressed`` with its
reason. A message already queued under the same ``key`` is returned unchanged (a job that runs
twice for one occurrence sends once). Delivery on the e-mail and gateway channels is a django
task enqueued after the transaction commits; outbox messages wait for a person to send them
and mark them sent.

It raises ``ValidationError`` (keyed by argument) for an unknown kind, purpose or channel, a
purpose that is not the kind's, a vehicle of another customer or a key used for another
customer; ``rendering.MissingValues`` when the context lacks a variable the dealer's template
uses (a message is never sent with a hole in it); ``PermissionDenied`` / ``Http404`` when a
staff ``actor`` may not send messages to this customer. A job passes ``actor=None``.

The suppression hook (the blacklist) is ``retain.channels.suppression.register``.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.bounds import no_nul
from retain.customers.access import access_customer
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action

from .. import kinds, rendering, rules
from ..models import (
    AUTOMATIC,
    MAX_BODY,
    MAX_SUBJECT,
    Channel,
    Message,
    MessageStatus,
    Purpose,
    Template,
    settings_for,
)
from . import delivery
from .templates import install

__all__ = ["queue_message", "write_message"]


def _check_choice(value, choices, field: str, errors: dict) -> None:
    if value not in choices.values:
        errors[field] = _("“%(value)s” is not one of %(choices)s.") % {"value": value,
                                                                      "choices": ", ".join(choices.values)}


def _template(*, actor, dealer_id: int, code: str, languages: list[str]) -> Template:
    """The dealer's template of this kind in the first of ``languages`` it has; a dealer with
    none of this kind gets the presets first (``templates.install``)."""
    templates = {t.language: t for t in Template.objects.filter(dealer_id=dealer_id, code=code)}
    if not templates:
        install(actor=actor, dealer_id=dealer_id)
        templates = {t.language: t for t in Template.objects.filter(dealer_id=dealer_id, code=code)}
    for language in languages:
        if language in templates:
            return templates[language]
    return next(iter(templates.values()))  # a language since removed from the interface


def _save(message: Message) -> Message | None:
    """Insert the message; None if another transaction took its key meanwhile."""
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        if Message.objects.filter(key=message.key).exists():
            return None
        raise
    return message


def _queue(*, actor, customer, purpose: str, channel: str, settings, template: Template | None, subject: str,
           body: str, language: str, key: str, vehicle, origin: str, code: AuditCode) -> Message:
    """Apply the rules, save, audit, and hand an automatic channel's message to the worker."""
    now = timezone.now()
    message = Message(dealer_id=customer.dealer_id, customer=customer, vehicle=vehicle, purpose=purpose,
                      channel=channel, template=template, template_code=template.code if template else "",
                      language=language, subject=subject, body=body, key=key, origin=origin,
                      queued_by=actor if getattr(actor, "pk", None) else None)
    reason = rules.suppression_reason(customer, purpose, channel, settings, now)
    if reason is not None:
        message.status = MessageStatus.SUPPRESSED
        message.suppression_code, message.suppression_label = reason.code, reason.label[:200]
    else:
        message.next_attempt_at = rules.quiet_until(settings, now)
    if _save(message) is None:
        return Message.objects.get(key=key)
    audit.record(actor=actor, action=code, obj=message,
                 after={"customer_id": customer.pk, "purpose": purpose, "channel": channel,
                        "template_code": message.template_code, "status": message.status,
                        "suppression_code": message.suppression_code, "next_attempt_at": message.next_attempt_at})
    if message.status == MessageStatus.QUEUED and channel in AUTOMATIC:
        pk, not_before = message.pk, message.next_attempt_at
        transaction.on_commit(lambda: delivery.schedule(pk, not_before))
    return message


def _existing(key: str | None, customer) -> Message | None:
    if not key:
        return None
    existing = Message.objects.filter(key=key).first()
    if existing is not None and existing.customer_id != customer.pk:
        raise ValidationError({"key": _("This key was used for a message to another customer.")})
    return existing


@transaction.atomic
def queue_message(*, actor, customer, purpose: str, template_code: str, context: dict, channel: str | None = None,
                  key: str | None = None, vehicle=None, origin: str = "") -> Message:
    """Render, check and queue one message to a customer (see the module's docstring)."""
    if actor is not None:
        access_customer(actor, customer.pk, Action.SEND_MESSAGES)
    existing = _existing(key, customer)
    if existing is not None:
        return existing
    settings = settings_for(customer.dealer_id)
    channel = channel or settings.default_channel
    errors: dict = {}
    _check_choice(purpose, Purpose, "purpose", errors)
    _check_choice(channel, Channel, "channel", errors)
    kind = kinds.get(template_code)
    if kind is None:
        errors["template_code"] = _("No kind of message “%(code)s”.") % {"code": template_code}
    elif "purpose" not in errors and kind.purpose != purpose:
        errors["purpose"] = _("A “%(kind)s” message is for %(purpose)s.") % {
            "kind": kind.label, "purpose": Purpose(kind.purpose).label}
    if vehicle is not None and vehicle.customer_id != customer.pk:
        errors["vehicle"] = _("This vehicle does not belong to the customer.")
    unknown = sorted(set(context) - set(kind.variables)) if kind else []
    if unknown:
        errors["context"] = _("Unknown variable %(names)s for this kind of message.") % {"names": ", ".join(unknown)}
    if errors:
        raise ValidationError(errors)
    language = customer.language or settings.default_language
    template = _template(actor=actor, dealer_id=customer.dealer_id, code=template_code,
                         languages=[language, settings.default_language])
    values = {"customer_name": customer.name, "dealer_name": customer.dealer.name, **context}
    if vehicle is not None:
        values |= {"plate": vehicle.plate or vehicle.vin, "vehicle_model": f"{vehicle.make} {vehicle.model}".strip()}
    body = rendering.render(template.body, values)
    subject = rendering.render(template.subject, values)
    return _queue(actor=actor, customer=customer, purpose=purpose, channel=channel, settings=settings,
                  template=template, subject=subject[:MAX_SUBJECT], body=body, language=template.language,
                  key=key or f"message:{uuid.uuid4().hex}", vehicle=vehicle, origin=origin,
                  code=AuditCode.MESSAGE_QUEUE)


@transaction.atomic
def write_message(*, actor, customer_id, purpose: str, channel: str, body: str, subject: str = "") -> Message:
    """A one-off message a staff member writes to one customer (no template): the same rules
    apply, and it goes out on the chosen channel as a queued template message would."""
    customer = access_customer(actor, customer_id, Action.SEND_MESSAGES)
    settings = settings_for(customer.dealer_id)
    body, subject = (body or "").strip(), (subject or "").strip()
    errors: dict = {}
    _check_choice(purpose, Purpose, "purpose", errors)
    _check_choice(channel, Channel, "channel", errors)
    if not body:
        errors["body"] = _("Write the message.")
    elif len(body) > MAX_BODY:
        errors["body"] = _("Use at most %(n)d characters.") % {"n": MAX_BODY}
    if len(subject) > MAX_SUBJECT:
        errors["subject"] = _("Use at most %(n)d characters.") % {"n": MAX_SUBJECT}
    for field, text in (("body", body), ("subject", subject)):
        try:
            no_nul(text)
        except ValidationError as exc:
            errors.setdefault(field, exc.messages[0])
    if errors:
        raise ValidationError(errors)
    return _queue(actor=actor, customer=customer, purpose=purpose, channel=channel, settings=settings,
                  template=None, subject=subject, body=body,
                  language=customer.language or settings.default_language, key=f"message:{uuid.uuid4().hex}",
                  vehicle=None, origin="", code=AuditCode.MESSAGE_WRITE)
