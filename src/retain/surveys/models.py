"""Surveys (DOMAIN.md section 5): what is asked, who was asked, and what they answered.

A ``Survey`` is one questionnaire of a dealer group (``dealer`` empty: every dealer uses it) or
of one dealer (its own copy of a preset, edited). Its questions live in numbered
``SurveyVersion`` rows: editing a survey that has answers makes a new version, so every
``Response`` keeps the exact questions it answered. An ``Invitation`` is one customer (or staff
member, for the self-assessment) asked once, through a single-use link whose token is stored
only as its SHA-256 hash; a ``Response`` belongs to at most one invitation (the database's
unique constraint is what makes twenty simultaneous submissions store one). ``Answer`` holds
one question's value: a number (NPS, rating, performance), a text, or a structured value
(choices, a Kano pair, an allocation, a performance-with-importance pair).

Records are read through ``surveys.access`` and written only by ``surveys.services``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from retain import bounds
from retain.customers.models import Customer, Transaction, Vehicle
from retain.org.models import Dealer, DealerGroup, Staff


class SurveyKind(models.TextChoices):
    """What a survey measures; the API's ``kind`` (issue 9, item 7)."""

    CSS_SALES = "css_sales", _("Sales satisfaction (CSS)")
    CSS_AFTER_SALES = "css_after_sales", _("After-sales satisfaction (CSS)")
    NPS = "nps", _("Relational NPS")
    LOYALTY = "loyalty", _("Dealer loyalty")
    TOUCHPOINT = "touchpoint", _("Touchpoint ratings")
    KANO = "kano", _("Kano study")
    STAFF = "staff", _("Staff self-assessment")
    CUSTOM = "custom", pgettext_lazy("survey kind", "Custom")


class Audience(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    STAFF = "staff", _("Staff")


class Survey(models.Model):
    group = models.ForeignKey(DealerGroup, models.PROTECT, related_name="surveys", verbose_name=_("group"))
    # Empty: the group's survey, used by every dealer that has no copy of its own.
    dealer = models.ForeignKey(Dealer, models.PROTECT, null=True, blank=True, related_name="surveys",
                               verbose_name=_("dealer"))
    kind = models.CharField(_("kind"), max_length=20, choices=SurveyKind.choices)
    # The preset it started from (``css_after_sales``...), empty for one written from scratch.
    preset = models.CharField(_("preset"), max_length=30, blank=True, default="")
    name = models.JSONField(_("name"), help_text=_("The name in each language: {\"zh-hans\": …, \"en\": …}."))
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices, default=Audience.CUSTOMERS)
    active = models.BooleanField(_("active"), default=True)
    current_version = models.ForeignKey("SurveyVersion", models.PROTECT, null=True, blank=True, related_name="+",
                                        verbose_name=_("current version"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["kind", "id"]
        indexes = [models.Index(fields=["group", "kind"], name="survey_group_kind")]

    def __str__(self):
        return self.title()

    def title(self, language: str | None = None) -> str:
        from .texts import localised

        return localised(self.name, language)


class SurveyVersion(models.Model):
    """One fixed set of questions. A version that has responses is never changed again."""

    survey = models.ForeignKey(Survey, models.CASCADE, related_name="versions", verbose_name=_("survey"))
    number = models.PositiveIntegerField(_("version"))
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        verbose_name = _("survey version")
        verbose_name_plural = _("survey versions")
        ordering = ["survey", "-number"]
        constraints = [models.UniqueConstraint(fields=["survey", "number"], name="survey_version_number")]

    def __str__(self):
        return f"{self.survey} v{self.number}"


class QuestionKind(models.TextChoices):
    NPS = "nps", _("Likelihood to recommend (0-10)")
    RATING = "rating", _("Rating on a scale")
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    TEXT = "text", _("Text")
    KANO = "kano", _("Kano pair (with and without the feature)")
    ALLOCATION = "allocation", _("100 points across items")
    PERFORMANCE_IMPORTANCE = "performance_importance", _("Performance and importance")


class QuestionRole(models.TextChoices):
    """What a question is for in the analysis (drivers, CSI, quadrant, experience curve)."""

    ITEM = "item", _("Attribute (a driver, a CSI item)")
    OUTCOME = "outcome", _("Outcome (overall satisfaction, loyalty)")
    TOUCHPOINT = "touchpoint", _("Touchpoint")
    REASON = "reason", _("Reason or comment")
    OTHER = "other", pgettext_lazy("question role", "Other")


class Question(models.Model):
    """One question of one version. ``code`` is stable across versions (``fixed_first_time``),
    so results of several versions are read together by code.

    ``choices`` (single, multiple) and ``items`` (allocation) are lists of
    ``{"code": …, "text": {"zh-hans": …, "en": …}}``; ``touchpoint`` is the journey step a
    touchpoint rating belongs to; ``weight`` the item's share of a weighted CSI (0-1)."""

    version = models.ForeignKey(SurveyVersion, models.CASCADE, related_name="questions", verbose_name=_("version"))
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=30, choices=QuestionKind.choices)
    role = models.CharField(_("role"), max_length=20, choices=QuestionRole.choices, default=QuestionRole.ITEM)
    text = models.JSONField(_("question"))
    help = models.JSONField(_("help text"), default=dict, blank=True)
    required = models.BooleanField(_("required"), default=True)
    scale_min = models.SmallIntegerField(_("lowest score"), null=True, blank=True)
    scale_max = models.SmallIntegerField(_("highest score"), null=True, blank=True)
    low_label = models.JSONField(_("label of the lowest score"), default=dict, blank=True)
    high_label = models.JSONField(_("label of the highest score"), default=dict, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    items = models.JSONField(_("items"), default=list, blank=True)
    weight = models.FloatField(_("weight"), null=True, blank=True)
    touchpoint = models.CharField(_("touchpoint"), max_length=30, blank=True, default="")

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="question_code_per_version")]

    def __str__(self):
        return self.code


class Trigger(models.TextChoices):
    """Why an invitation was made."""

    DELIVERY = "delivery", _("After a delivery")
    REPAIR = "repair", _("After a repair order")
    CASE = "case", _("After a closed case")
    PERIODIC = "periodic", _("Periodic survey")
    MANUAL = "manual", _("Invited by staff")
    QR = "qr", _("QR code in the store")


class InvitationStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Invitation(models.Model):
    """One person asked once. The link's token is never stored, only its SHA-256 hex digest;
    ``key`` makes a job's invitation for one occurrence (a repair order, a month) unique."""

    survey = models.ForeignKey(Survey, models.PROTECT, related_name="invitations", verbose_name=_("survey"))
    version = models.ForeignKey(SurveyVersion, models.PROTECT, related_name="invitations", verbose_name=_("version"))
    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="survey_invitations", verbose_name=_("dealer"))
    customer = models.ForeignKey(Customer, models.CASCADE, null=True, blank=True, related_name="survey_invitations",
                                 verbose_name=_("customer"))
    # The staff member asked (a self-assessment), instead of a customer.
    respondent_staff = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                         verbose_name=_("staff member asked"))
    transaction = models.ForeignKey(Transaction, models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("transaction"))
    vehicle = models.ForeignKey(Vehicle, models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("vehicle"))
    # Who served the customer (the consultant of a sale, the service advisor of a repair).
    staff = models.ForeignKey(Staff, models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("served by"))
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    key = models.CharField(_("key"), max_length=100, unique=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    # The reminder's link: a second token for the same invitation (the first is never stored, so
    # it cannot be sent again), and the first link keeps working beside it.
    reminder_token_hash = models.CharField(_("reminder's token hash"), max_length=64, unique=True, null=True,
                                           blank=True, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=InvitationStatus.choices,
                              default=InvitationStatus.OPEN)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("invited by"))
    expires_at = models.DateTimeField(_("expires at"))
    opened_at = models.DateTimeField(_("first opened at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    message_id = models.BigIntegerField(_("message"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="invitation_customer"),
                   models.Index(fields=["dealer", "-created_at"], name="invitation_dealer"),
                   models.Index(fields=["status", "expires_at"], name="invitation_status")]


class Flag(models.TextChoices):
    """Why a response is not counted until a manager has looked at it."""

    STAFF_NETWORK = "staff_network", _("Answered from the dealer's own network")
    STAFF_SESSION = "staff_session", _("Answered in a staff member's signed-in browser")
    TOO_FAST = "too_fast", _("Answered too fast to have been read")
    STRAIGHT_LINED = "straight_lined", _("The same score for every item")
    SECOND_ANSWER = "second_answer", _("A second answer for the same transaction")


class Review(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    KEPT = "kept", _("Counted after review")
    EXCLUDED = "excluded", _("Excluded after review")


class Response(models.Model):
    """One person's answers to one version. ``submitted_at`` empty: saved part way (the public
    page keeps partial answers). ``counted`` is what scoring reads: a flagged response is kept
    but not counted unless a manager's review keeps it."""

    invitation = models.OneToOneField(Invitation, models.CASCADE, null=True, blank=True, related_name="response",
                                      verbose_name=_("invitation"))
    survey = models.ForeignKey(Survey, models.PROTECT, related_name="responses", verbose_name=_("survey"))
    version = models.ForeignKey(SurveyVersion, models.PROTECT, related_name="responses", verbose_name=_("version"))
    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="survey_responses", verbose_name=_("dealer"))
    customer = models.ForeignKey(Customer, models.CASCADE, null=True, blank=True, related_name="survey_responses",
                                 verbose_name=_("customer"))
    respondent_staff = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                         verbose_name=_("staff member who answered"))
    transaction = models.ForeignKey(Transaction, models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("transaction"))
    vehicle = models.ForeignKey(Vehicle, models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("vehicle"))
    staff = models.ForeignKey(Staff, models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("served by"))
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    started_at = models.DateTimeField(_("started at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The dealer-local day of the answer: what periods and trends group by.
    answered_on = models.DateField(_("answered on"), null=True, blank=True, validators=bounds.dates())
    flags = models.JSONField(_("flags"), default=list, blank=True)
    # The numeric answers (NPS, ratings) by question code, written with the Answer rows: the
    # analysis pivots a year of a group's answers from this one column instead of joining some
    # ten answer rows per response (``results.wide``).
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    counted = models.BooleanField(_("counted"), default=True)
    review = models.CharField(_("review"), max_length=10, choices=Review.choices, blank=True, default="")
    reviewed_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["survey", "dealer", "answered_on"], name="response_survey_dealer_day"),
                   models.Index(fields=["customer", "-started_at"], name="response_customer"),
                   models.Index(fields=["transaction"], name="response_transaction")]


class Answer(models.Model):
    """One question's answer: ``number`` for NPS, ratings and single numbers; ``text`` for text
    and a chosen code; ``value`` (JSON) for several choices, a Kano pair ``{"functional",
    "dysfunctional"}``, an allocation ``{item: points}`` or ``{"performance", "importance"}``."""

    response = models.ForeignKey(Response, models.CASCADE, related_name="answers", verbose_name=_("response"))
    question = models.ForeignKey(Question, models.PROTECT, related_name="answers", verbose_name=_("question"))
    number = models.FloatField(_("number"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True, default="", validators=[*bounds.text()])
    value = models.JSONField(_("value"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once_per_question")]
        indexes = [models.Index(fields=["question", "response"], name="answer_question")]


class SurveySettings(models.Model):
    """A dealer's survey rules that are not per trigger. No row: the defaults below."""

    dealer = models.OneToOneField(Dealer, models.CASCADE, related_name="survey_settings", verbose_name=_("dealer"))
    # Contact fatigue: no invitation to a customer invited, or answering, within this many days.
    fatigue_days = models.PositiveSmallIntegerField(_("days between two invitations"), default=30,
                                                    validators=bounds.count(0, 365))
    link_days = models.PositiveSmallIntegerField(_("days a link stays valid"), default=14,
                                                 validators=bounds.count(1, 90))
    # 0: no reminder.
    reminder_days = models.PositiveSmallIntegerField(_("days before a reminder"), default=5,
                                                     validators=bounds.count(0, 60))
    # The dealer's own networks (one CIDR per line): an answer from them is flagged.
    staff_networks = models.TextField(_("the dealer's own networks"), blank=True, default="",
                                      validators=[*bounds.text()])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")


class SamplingRule(models.Model):
    """When a dealer invites whom, for one trigger: which survey, how many days after the event,
    and how many of the events (a rate, a monthly quota, or both: the rate until the quota)."""

    dealer = models.ForeignKey(Dealer, models.CASCADE, related_name="sampling_rules", verbose_name=_("dealer"))
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    survey = models.ForeignKey(Survey, models.PROTECT, related_name="sampling_rules", verbose_name=_("survey"))
    delay_days = models.PositiveSmallIntegerField(_("days after the event"), default=3,
                                                  validators=bounds.count(0, 365))
    rate_percent = models.PositiveSmallIntegerField(_("share of events invited (%)"), default=100,
                                                    validators=bounds.count(0, 100))
    monthly_quota = models.PositiveIntegerField(_("invitations per month at most"), null=True, blank=True,
                                                validators=bounds.count(0, 100_000))
    # Periodic surveys (relational NPS): every this many months per customer.
    every_months = models.PositiveSmallIntegerField(_("every so many months"), null=True, blank=True,
                                                    validators=bounds.count(1, 60))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sampling rule")
        verbose_name_plural = _("sampling rules")
        ordering = ["dealer", "trigger"]
        constraints = [models.UniqueConstraint(fields=["dealer", "trigger"], name="sampling_rule_per_trigger")]
