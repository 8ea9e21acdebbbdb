"""Complaint and suggestion cases and the six steps that close them (LSPCAS, DOMAIN.md section 6).

A case belongs to a dealer and has an owner who answers for it, two deadlines set when it is
opened (the first contact, and the resolution by severity: ``CaseSettings``), and a record of
each step taken: who, when and what. A step out of the usual order is allowed (a complaint does
not always follow the course book) but recorded as such; a step may be taken again (a second
call). A case closes only after Check and Satisfy, with its outcome.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from retain import bounds
from retain.channels.models import settings_for as channel_settings_for
from retain.customers.models import Customer, Vehicle
from retain.org.models import Dealer, Staff
from retain.surveys.models import Response


class CaseKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")  # seed 004: 建立投诉和建议制度


class Channel(models.TextChoices):
    """How the case came in."""

    SURVEY = "survey", _("Survey answer")
    PHONE = "phone", _("Phone call")
    WALK_IN = "walk_in", _("Walk-in")
    LETTER = "letter", _("Letter")
    SOCIAL = "social", _("Social media")
    API = "api", _("API")


class Department(models.TextChoices):
    SALES = "sales", _("Sales")
    SERVICE = "service", _("Service")
    PARTS = "parts", _("Parts")
    OTHER = "other", _("Other")


class Category(models.TextChoices):
    """What the case is about (the service-recovery playbooks are by category)."""

    REPAIR_QUALITY = "repair_quality", _("Repair quality")
    WAITING_TIME = "waiting_time", _("Waiting time")
    PRICE = "price", _("Price and invoice")
    STAFF_ATTITUDE = "staff_attitude", _("Staff attitude")
    SALES_PROMISE = "sales_promise", _("Promise at the sale")
    PARTS = "parts", _("Parts availability")
    VEHICLE_QUALITY = "vehicle_quality", _("Vehicle quality")
    FACILITIES = "facilities", _("Facilities")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class Motive(models.TextChoices):
    """What the complaining customer seeks (seed 001: respect, venting, compensation)."""

    UNKNOWN = "", _("Not yet known")
    RESPECT = "respect", _("Respect")
    VENTING = "venting", _("To vent")
    COMPENSATION = "compensation", _("Compensation")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    SATISFIED = "satisfied", _("Customer satisfied")
    UNSATISFIED = "unsatisfied", _("Closed unsatisfied")


class Step(models.TextChoices):
    """The six steps, in their order (LSPCAS)."""

    LISTEN = "listen", _("Listen")
    SHARE = "share", _("Share (acknowledge feelings)")
    PROBE = "probe", _("Probe (root cause)")
    CHECK = "check", _("Check (confirmed)")
    ACTION = "action", _("Action (plan kept)")
    SATISFY = "satisfy", _("Satisfy")


#: The steps in their order; those that are a contact with the customer (the first one ends the
#: first-contact clock).
STEP_ORDER = tuple(Step)
CUSTOMER_FACING = frozenset({Step.LISTEN, Step.SHARE, Step.CHECK, Step.SATISFY})


class Case(models.Model):
    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="+", verbose_name=_("dealer"))
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="cases", verbose_name=_("customer"))
    vehicle = models.ForeignKey(Vehicle, models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("vehicle"))
    # The survey answer that opened it (a detractor), if any.
    response = models.ForeignKey(Response, models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("survey answer"))
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices, default=CaseKind.COMPLAINT)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    department = models.CharField(_("department"), max_length=20, choices=Department.choices,
                                  default=Department.SERVICE)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices, default=Category.OTHER)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, default=Severity.MAJOR)
    motive = models.CharField(_("customer's motive"), max_length=20, choices=Motive.choices, blank=True,
                              default=Motive.UNKNOWN)
    description = models.TextField(_("description"), validators=bounds.text())
    owner = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("owner"))
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("opened by"))
    first_contact_due = models.DateTimeField(_("first contact due"))
    resolution_due = models.DateTimeField(_("resolution due"))
    first_contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    root_cause = models.CharField(_("root cause"), max_length=100, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    close_reason = models.TextField(_("reason"), blank=True, validators=bounds.text())
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("closed by"))
    # Seed 002, 查核并防止再发生: some days after closing, someone checks that the problem has not
    # come back (``CaseSettings.recurrence_days``; set when the case closes).
    recurrence_check_on = models.DateField(_("recurrence check due on"), null=True, blank=True,
                                           validators=bounds.dates())
    recurrence_checked_at = models.DateTimeField(_("recurrence checked at"), null=True, blank=True)
    recurrence_checked_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                              verbose_name=_("recurrence checked by"))
    recurred = models.BooleanField(_("the problem came back"), null=True, blank=True)
    recurrence_notes = models.TextField(_("recurrence check notes"), blank=True, validators=bounds.text())

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # the queues: a dealer's and an owner's open cases by their next deadline
            models.Index(fields=["dealer", "status", "resolution_due"]),
            models.Index(fields=["owner", "status", "resolution_due"]),
            models.Index(fields=["customer", "-opened_at"]),
        ]
        constraints = [
            # one case per survey answer, however often the intake runs
            models.UniqueConstraint(fields=["response"], condition=models.Q(response__isnull=False),
                                    name="cases_case_one_per_response"),
            models.CheckConstraint(condition=models.Q(status="open", closed_at__isnull=True, outcome="")
                                   | models.Q(status="closed", closed_at__isnull=False) & ~models.Q(outcome=""),
                                   name="cases_case_closed_with_outcome"),
        ]

    def __str__(self):
        return f"#{self.pk}"


class CaseStep(models.Model):
    """One step taken on a case, with what the step records (a root cause for Probe, both
    confirmations for Check, a plan and its due day for Action, the customer's answer for Satisfy)."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="steps", verbose_name=_("case"))
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    notes = models.TextField(_("notes"), blank=True, validators=bounds.text())
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(Staff, models.PROTECT, null=True, related_name="+", verbose_name=_("by"))
    # Taken before an earlier step of the order was (allowed, recorded), or taken again.
    out_of_order = models.BooleanField(_("out of order"), default=False)
    repeated = models.BooleanField(_("taken again"), default=False)
    root_cause = models.CharField(_("root cause"), max_length=100, blank=True)
    customer_confirmed = models.BooleanField(_("confirmed with the customer"), null=True, blank=True)
    internally_confirmed = models.BooleanField(_("confirmed internally"), null=True, blank=True)
    plan_due_on = models.DateField(_("plan due on"), null=True, blank=True, validators=bounds.dates())
    satisfied = models.BooleanField(_("customer satisfied"), null=True, blank=True)

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering = ["at", "id"]


class CaseSettings(models.Model):
    """A dealer's deadlines and lists for cases (defaults when a dealer has none:
    ``settings_for``)."""

    dealer = models.OneToOneField(Dealer, models.CASCADE, related_name="+", verbose_name=_("dealer"))
    first_contact_hours = models.PositiveSmallIntegerField(
        _("hours to the first contact"), default=24, validators=[MinValueValidator(1), MaxValueValidator(240)])
    minor_days = models.PositiveSmallIntegerField(_("days to resolve a minor case"), default=10,
                                                  validators=[MinValueValidator(1), MaxValueValidator(365)])
    major_days = models.PositiveSmallIntegerField(_("days to resolve a major case"), default=5,
                                                  validators=[MinValueValidator(1), MaxValueValidator(365)])
    critical_days = models.PositiveSmallIntegerField(_("days to resolve a critical case"), default=2,
                                                     validators=[MinValueValidator(1), MaxValueValidator(365)])
    # A case past a deadline is escalated to the department's manager at once, and to the general
    # manager if it is still past it this many hours later (``cases.escalate``).
    escalate_gm_hours = models.PositiveSmallIntegerField(
        _("hours before the general manager is told"), default=24,
        validators=[MinValueValidator(1), MaxValueValidator(240)])
    # A survey answer opens a case when the customer would not recommend the dealer (NPS 0-6) or
    # rates a CSS item at or below this score (on 1-10; an item on another scale is mapped onto it).
    detractor_cases = models.BooleanField(_("open a case for a detractor's answer"), default=True)
    item_threshold = models.PositiveSmallIntegerField(
        _("lowest acceptable CSS item score"), default=4, validators=[MinValueValidator(1), MaxValueValidator(9)])
    # Compensation worth more than this (cents) waits for a manager's approval.
    compensation_approval_cents = models.BigIntegerField(
        _("compensation above this needs approval (cents)"), default=50_000, validators=bounds.money())
    recurrence_days = models.PositiveSmallIntegerField(
        _("days after closing to check for recurrence"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)])
    # The worker proposes as lost an owner whose P(alive) is below this share (percent) and who has
    # not come for this many months (``cases.propose_lost``).
    lost_p_alive_percent = models.PositiveSmallIntegerField(
        _("propose as lost below this P(alive) (%)"), default=20,
        validators=[MinValueValidator(1), MaxValueValidator(99)])
    lost_no_visit_months = models.PositiveSmallIntegerField(
        _("propose as lost after this many months without a visit"), default=18,
        validators=[MinValueValidator(1), MaxValueValidator(120)])
    # The root causes Probe picks from, one a line (a dealer keeps its own list).
    root_causes = models.TextField(_("root causes (one a line)"), blank=True, validators=bounds.text())

    class Meta:
        verbose_name = _("case settings")
        verbose_name_plural = _("case settings")

    def days_for(self, severity: str) -> int:
        return {Severity.MINOR: self.minor_days, Severity.MAJOR: self.major_days,
                Severity.CRITICAL: self.critical_days}.get(severity, self.major_days)

    def root_cause_list(self) -> list[str]:
        """The dealer's root causes; the defaults in the dealer's language (that of its messages),
        whoever reads them, since a case stores the text picked and the Pareto of root causes
        must not split one cause into two languages."""
        listed = [line.strip() for line in (self.root_causes or "").splitlines() if line.strip()]
        if listed:
            return listed
        with translation.override(channel_settings_for(self.dealer_id).default_language or None):
            return [str(label) for label in DEFAULT_ROOT_CAUSES]


#: The root causes offered when a dealer has listed none.
DEFAULT_ROOT_CAUSES = (
    _("Repair not done right"), _("Diagnosis missed"), _("Part not in stock"), _("Promise not kept"),
    _("Not explained to the customer"), _("Staff attitude"), _("Process too slow"), _("Price not agreed"),
    _("Product defect"), _("Customer expectation"),
)


def settings_for(dealer_id: int) -> CaseSettings:
    """The dealer's case settings, or the defaults (unsaved) if it has none."""
    return CaseSettings.objects.filter(dealer_id=dealer_id).first() or CaseSettings(dealer_id=dealer_id)
