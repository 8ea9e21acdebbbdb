"""Outbound messages: what was (or was not) sent to a customer, how, and why.

A ``Message`` is written once by ``services.queue_message`` with its text already rendered, so
what the customer received (or would have) stays on record even when the template changes
later. Its status moves queued -> sending -> sent (-> delivered, when the gateway confirms), or
to failed (an attempt failed; another is due at ``next_attempt_at``), dead (dead-lettered: the
tries are used up or the failure is permanent) or suppressed (a send-time rule stopped it; the
reason is kept as a typed code). Each try at a gateway leaves a ``DeliveryAttempt``.

Templates and the channel settings are per dealer; a dealer with no settings row works with
the defaults of ``ChannelSettings`` (``settings_for``).
"""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from retain import bounds
from retain.customers.fields import EncryptedTextField
from retain.customers.models import Customer, Vehicle
from retain.org.models import Dealer, Staff

#: The longest template body and subject a dealer may write (an SMS is 70 Chinese characters;
#: an e-mail may be longer, a page of text is plenty).
MAX_BODY, MAX_SUBJECT = 2000, 200


class Purpose(models.TextChoices):
    SERVICE = "service", _("Service (about the customer's own car)")
    MARKETING = "marketing", pgettext_lazy("message purpose", "Marketing")
    SURVEY = "survey", _("Survey")


class Channel(models.TextChoices):
    OUTBOX = "outbox", _("Outbox (sent by hand)")
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("SMS / WeChat gateway")


#: Channels a worker delivers; the outbox waits for a person.
AUTOMATIC = (Channel.EMAIL, Channel.WEBHOOK)


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Dead letter (gave up)")
    SUPPRESSED = "suppressed", _("Suppressed")


#: Statuses of a message that still reaches (or reached) the customer: these count toward the
#: frequency cap. A suppressed or dead-lettered message never reached anyone.
COUNTED = (MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED,
           MessageStatus.FAILED)
#: Statuses a worker still has to act on.
PENDING = (MessageStatus.QUEUED, MessageStatus.FAILED)


class SuppressionCode(models.TextChoices):
    """Why a send-time rule stopped a message. A suppression hook (``suppression.register``)
    brings codes of its own, with their labels."""

    NO_CONSENT = "no_consent", _("No marketing consent on record")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    FREQUENCY_CAP = "frequency_cap", _("Frequency cap reached")
    NO_ADDRESS = "no_address", _("No address for this channel")


def _default_language():
    return settings.LANGUAGE_CODE


def _default_time_zone():
    return settings.TIME_ZONE


class ChannelSettings(models.Model):
    """A dealer's rules for outbound messages. Absent, the field defaults apply."""

    dealer = models.OneToOneField(Dealer, models.CASCADE, related_name="channel_settings", verbose_name=_("dealer"))
    default_channel = models.CharField(_("default channel"), max_length=10, choices=Channel.choices,
                                       default=Channel.OUTBOX)
    default_language = models.CharField(_("default language"), max_length=10, choices=settings.LANGUAGES,
                                        default=_default_language)
    time_zone = models.CharField(_("time zone"), max_length=64, default=_default_time_zone,
                                 help_text=_("Quiet hours are read in this zone, e.g. Asia/Shanghai."))
    quiet_start = models.TimeField(_("quiet hours start"), default=dt.time(21, 0))
    quiet_end = models.TimeField(_("quiet hours end"), default=dt.time(9, 0),
                                 help_text=_("The same start and end time means no quiet hours."))
    cap_days = models.PositiveSmallIntegerField(_("frequency cap window (days)"), default=7,
                                                validators=[MinValueValidator(1), MaxValueValidator(365)])
    marketing_cap = models.PositiveSmallIntegerField(_("marketing messages per window"), default=2,
                                                     validators=bounds.count(0, 100))
    survey_cap = models.PositiveSmallIntegerField(_("survey messages per window"), default=2,
                                                  validators=bounds.count(0, 100))
    webhook_url = models.URLField(_("gateway URL"), blank=True, max_length=500,
                                  validators=[URLValidator(schemes=["http", "https"])])
    webhook_secret = EncryptedTextField(_("gateway signing secret"), blank=True, default="",
                                        validators=[MaxLengthValidator(200)])
    webhook_timeout = models.PositiveSmallIntegerField(_("gateway timeout (seconds)"), default=10,
                                                       validators=bounds.count(1, 60))
    max_attempts = models.PositiveSmallIntegerField(_("tries before the dead letter"), default=5,
                                                    validators=bounds.count(1, 20))
    retry_seconds = models.PositiveIntegerField(_("first retry after (seconds)"), default=60,
                                                validators=bounds.count(1, 86_400),
                                                help_text=_("Each further retry waits twice as long."))
    email_from = models.EmailField(_("sender address"), blank=True,
                                   help_text=_("Empty: the server's sender (RETAIN_SMTP_FROM)."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("updated by"))

    class Meta:
        verbose_name = _("channel settings")
        verbose_name_plural = _("channel settings")

    def __str__(self):
        return str(self.dealer)

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start != self.quiet_end

    def cap(self, purpose: str) -> int | None:
        """How many messages of ``purpose`` one customer may get per window; None: no cap
        (service messages about the customer's own car are never capped)."""
        return {Purpose.MARKETING: self.marketing_cap, Purpose.SURVEY: self.survey_cap}.get(purpose)


def settings_for(dealer_id: int) -> ChannelSettings:
    """The dealer's settings, or an unsaved row holding the defaults."""
    return ChannelSettings.objects.filter(dealer_id=dealer_id).first() or ChannelSettings(dealer_id=dealer_id)


def settings_of(dealer: Dealer) -> ChannelSettings:
    """As ``settings_for``, without a query when the dealer was read with its settings
    (``select_related("dealer__channel_settings")``: the customer card reads its points so)."""
    if Dealer.channel_settings.related.is_cached(dealer):
        return Dealer.channel_settings.related.get_cached_value(dealer) or ChannelSettings(dealer_id=dealer.pk)
    return settings_for(dealer.pk)


class Template(models.Model):
    """A dealer's text for one kind of message (``kinds.KINDS``) in one language, with named
    variables such as ``{customer_name}`` (checked against the kind's list when saved)."""

    dealer = models.ForeignKey(Dealer, models.CASCADE, related_name="message_templates", verbose_name=_("dealer"))
    code = models.CharField(_("kind"), max_length=60)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    subject = models.CharField(_("subject"), max_length=MAX_SUBJECT, blank=True,
                               help_text=_("Used by e-mail only."))
    body = models.TextField(_("text"), validators=[MaxLengthValidator(MAX_BODY)])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("updated by"))

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["dealer", "code", "language"]
        constraints = [models.UniqueConstraint(fields=["dealer", "code", "language"], name="one_template_per_kind")]

    def __str__(self):
        return f"{self.code} ({self.language})"


class Message(models.Model):
    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="messages", verbose_name=_("dealer"))
    # PROTECT: a message is evidence of a contact; the customer record it went to stays.
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="messages", verbose_name=_("customer"))
    vehicle = models.ForeignKey(Vehicle, models.SET_NULL, null=True, blank=True, related_name="messages",
                                verbose_name=_("vehicle"))
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Null for a one-off text written by hand; the code stays if the template row goes.
    template = models.ForeignKey(Template, models.SET_NULL, null=True, blank=True, related_name="messages",
                                 verbose_name=_("template"))
    template_code = models.CharField(_("kind"), max_length=60, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=MAX_SUBJECT, blank=True)
    body = models.TextField(_("text"), validators=bounds.text())
    address = models.CharField(_("sent to"), max_length=254, blank=True,
                               help_text=_("The mobile or e-mail address at the time of sending."))
    status = models.CharField(_("status"), max_length=12, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    suppression_code = models.CharField(_("suppression reason"), max_length=40, blank=True)
    suppression_label = models.CharField(_("suppression reason (text)"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True,
                                           help_text=_("Not before this time (quiet hours, a retry)."))
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    queued_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    key = models.CharField(_("idempotency key"), max_length=200, unique=True,
                           help_text=_("One message per key: a job run twice for an occurrence sends once."))
    queued_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("queued by"))
    origin = models.CharField(_("queued by (job)"), max_length=60, blank=True)
    sent_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("sent by hand by"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["dealer", "status", "-id"], name="message_outbox"),
            models.Index(fields=["customer", "purpose", "queued_at"], name="message_frequency"),
            models.Index(fields=["status", "next_attempt_at"], name="message_due"),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} → {self.customer}"

    @property
    def suppression_reason(self) -> str:
        """The reason in the reader's language (a hook's own code keeps the label it gave)."""
        if not self.suppression_code:
            return ""
        if self.suppression_code in SuppressionCode.values:
            return str(SuppressionCode(self.suppression_code).label)
        return self.suppression_label or self.suppression_code


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("Accepted")
    RETRY = "retry", _("Failed, will retry")
    DEAD = "dead", _("Failed, gave up")


class DeliveryAttempt(models.Model):
    """One try at a gateway (SMTP server or webhook): when, how long, and what came back."""

    message = models.ForeignKey(Message, models.CASCADE, related_name="delivery_attempts", verbose_name=_("message"))
    number = models.PositiveSmallIntegerField(_("try"))
    at = models.DateTimeField(_("time"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=AttemptOutcome.choices)
    status_code = models.PositiveSmallIntegerField(_("answer code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["message", "number"]
        constraints = [models.UniqueConstraint(fields=["message", "number"], name="one_attempt_per_number")]


class NoticeEmail(models.TextChoices):
    NONE = "", _("Not e-mailed")  # no address on file, or the server sends no mail
    QUEUED = "queued", _("E-mail queued")
    SENT = "sent", _("E-mailed")
    FAILED = "failed", _("E-mail failed")


class StaffNotice(models.Model):
    """A message to a member of staff about their work (a case escalated to them, ...).

    Customers' messages carry consent, quiet hours and caps; a notice carries none of them: it is
    shown in the app to its recipient (the header counts the unread ones) and e-mailed when they
    have an address on file and the server sends mail. One notice per ``key``: a job that runs
    twice for one occurrence tells once."""

    staff = models.ForeignKey(Staff, models.CASCADE, related_name="notices", verbose_name=_("to"))
    dealer = models.ForeignKey(Dealer, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("dealer"))
    subject = models.CharField(_("subject"), max_length=MAX_SUBJECT)
    body = models.TextField(_("text"), validators=bounds.text())
    link = models.CharField(_("link"), max_length=200, blank=True, help_text=_("The page of what it is about."))
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    origin = models.CharField(_("sent by (job)"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("sent at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email = models.CharField(_("e-mail"), max_length=10, choices=NoticeEmail.choices, blank=True,
                             default=NoticeEmail.NONE)
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    email_error = models.CharField(_("e-mail error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("notice to staff")
        verbose_name_plural = _("notices to staff")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["staff", "read_at", "-created_at"], name="notice_inbox")]

    def __str__(self):
        return self.subject
