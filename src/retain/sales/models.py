"""Winning prospects (DOMAIN.md section 4): the showroom register, graded prospects, their
grade history and follow-up contacts, and the per-dealer follow-up cadence.

Prospects are read and changed only through ``sales.access`` and ``sales.services``; the
cadence decides each prospect's next follow-up date, recomputed on every contact and grade change.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from retain import bounds
from retain.customers.models import Customer, Source
from retain.org.models import Dealer, Staff


class Grade(models.TextChoices):
    """How close a prospect is to buying (DOMAIN.md section 4)."""

    O = "O", _("O – order taken, not yet delivered")  # noqa: E741
    H = "H", _("H – expected to close within 7 days")
    A = "A", _("A – 7 to 15 days")
    B = "B", _("B – 15 days to 1 month")
    C = "C", _("C – 1 to 3 months")


#: Days between follow-ups per grade, unless a dealer sets its own (``Cadence``).
DEFAULT_CADENCE_DAYS = {Grade.O: 7, Grade.H: 2, Grade.A: 3, Grade.B: 7, Grade.C: 14}
#: Urgency order for work lists: the hottest grade first.
GRADE_ORDER = [Grade.O, Grade.H, Grade.A, Grade.B, Grade.C]

#: The prospect sources of DOMAIN.md section 4 (codes 1-7, plus area canvassing).
PROSPECT_SOURCES = [Source.BASE_MAINTENANCE, Source.VIP, Source.KEY_ACCOUNT, Source.WALK_IN, Source.INTERNAL,
                    Source.OUTDOOR, Source.SECONDARY_NETWORK, Source.CANVASSING]


class Cadence(models.Model):
    """A dealer's own follow-up interval for one grade."""

    dealer = models.ForeignKey(Dealer, models.CASCADE, related_name="cadences", verbose_name=_("dealer"))
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    days = models.PositiveSmallIntegerField(_("days between follow-ups"), validators=bounds.count(1, 90))

    class Meta:
        verbose_name = _("follow-up cadence")
        verbose_name_plural = _("follow-up cadences")
        constraints = [
            models.UniqueConstraint(fields=["dealer", "grade"], name="one_cadence_per_grade"),
            models.CheckConstraint(condition=models.Q(days__gte=1), name="cadence_at_least_a_day"),
        ]


class VisitKind(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    PHONE_IN = "phone_in", _("Phone-in")


class VisitOutcome(models.TextChoices):
    JUST_LOOKING = "just_looking", _("Just looking, no details left")
    LEFT_CONTACT = "left_contact", _("Left contact details")
    PROSPECT = "prospect", _("Became a prospect")
    ORDER = "order", _("Placed an order")
    SERVICE = "service", _("Came for after-sales service")


class ShowroomVisit(models.Model):
    """One line of the walk-in / phone-in register (来店(电)客户登记表). The visitor may stay
    anonymous and be linked to a customer later."""

    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="showroom_visits", verbose_name=_("dealer"))
    consultant = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="showroom_visits",
                                   verbose_name=_("consultant"))
    kind = models.CharField(_("kind"), max_length=10, choices=VisitKind.choices, default=VisitKind.WALK_IN)
    arrived_at = models.DateTimeField(_("time in"))
    left_at = models.DateTimeField(_("time out"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=30, choices=Source.choices, default=Source.WALK_IN)
    first_visit = models.BooleanField(_("first visit"), default=True)
    party_size = models.PositiveSmallIntegerField(_("party size"), default=1,
                                                  validators=bounds.count(1, bounds.MAX_PARTY))
    model_of_interest = models.CharField(_("model of interest"), max_length=60, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=VisitOutcome.choices,
                               default=VisitOutcome.JUST_LOOKING)
    customer = models.ForeignKey(Customer, models.SET_NULL, null=True, blank=True, related_name="showroom_visits",
                                 verbose_name=_("customer"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(Staff, models.PROTECT, related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("showroom visit")
        verbose_name_plural = _("showroom visits")
        ordering = ["-arrived_at", "-id"]
        indexes = [models.Index(fields=["dealer", "arrived_at"]),
                   # A consultant's register lines of one day (the today page), not all their years.
                   models.Index(fields=["consultant", "arrived_at"], name="visit_consultant_day")]
        constraints = [models.CheckConstraint(condition=models.Q(party_size__gte=1), name="party_of_at_least_one")]


class ProspectStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DEFEAT_PENDING = "defeat_pending", _("Defeat awaiting approval")
    WON = "won", _("Won")
    DEFEATED = "defeated", _("Defeated")


#: Statuses in which the prospect is still being worked (and gets follow-ups).
ACTIVE_STATUSES = (ProspectStatus.OPEN, ProspectStatus.DEFEAT_PENDING)


class DefeatReason(models.TextChoices):
    """Why a sale was lost (销售促成失控(败)分析表)."""

    PRICE = "price", _("Price / discount")
    PRODUCT = "product", _("Product (model, configuration, quality)")
    BRAND = "brand", _("Brand preference")
    SERVICE = "service", _("Our service or follow-up")
    FINANCING = "financing", _("Financing or trade-in terms")
    DELIVERY = "delivery", _("Delivery time / stock")
    RELATIONSHIP = "relationship", _("Relationship with another dealer")
    POSTPONED = "postponed", _("Gave up or postponed buying")
    OTHER = "other", _("Other")


class Prospect(models.Model):
    """A customer being worked towards a purchase. One open prospect per customer at a time;
    a later purchase (replacement, additional car) opens a new one."""

    customer = models.ForeignKey(Customer, models.CASCADE, related_name="prospects", verbose_name=_("customer"))
    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="prospects", verbose_name=_("dealer"))
    owner = models.ForeignKey(Staff, models.SET_NULL, null=True, blank=True, related_name="prospects",
                              verbose_name=_("consultant"))
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    status = models.CharField(_("status"), max_length=20, choices=ProspectStatus.choices, default=ProspectStatus.OPEN)
    source = models.CharField(_("source"), max_length=30, choices=Source.choices)
    model_of_interest = models.CharField(_("model of interest"), max_length=60)
    budget_cents = models.BigIntegerField(_("budget (cents)"), null=True, blank=True, validators=bounds.money())
    purchase_by = models.DateField(_("expected purchase by"), null=True, blank=True, validators=bounds.dates())
    competitors = models.CharField(_("competitor models considered"), max_length=200, blank=True)
    first_contact = models.DateField(_("first contact"))
    last_contact = models.DateField(_("last contact"))
    next_follow_up = models.DateField(_("next follow-up"), db_index=True)
    # Won: the order (grade O), then the delivery.
    ordered_on = models.DateField(_("ordered on"), null=True, blank=True, validators=bounds.dates())
    deposit_cents = models.BigIntegerField(_("deposit (cents)"), null=True, blank=True, validators=bounds.money())
    contract_number = models.CharField(_("contract number"), max_length=40, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True, validators=bounds.dates())
    # Defeated: the consultant's application and the manager's decision.
    defeat_make = models.CharField(_("competitor make"), max_length=40, blank=True)
    defeat_model = models.CharField(_("competitor model"), max_length=60, blank=True)
    defeat_reason = models.CharField(_("reason for the defeat"), max_length=20, choices=DefeatReason.choices,
                                     blank=True)
    defeat_note = models.TextField(_("defeat note"), blank=True, validators=bounds.text())
    defeat_stage = models.CharField(_("grade when lost"), max_length=1, choices=Grade.choices, blank=True)
    defeat_applied_on = models.DateField(_("defeat applied on"), null=True, blank=True)
    defeat_decided_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                          verbose_name=_("decided by"))
    defeat_decision_note = models.CharField(_("decision note"), max_length=200, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("prospect")
        verbose_name_plural = _("prospects")
        ordering = ["next_follow_up", "id"]
        indexes = [models.Index(fields=["owner", "status", "next_follow_up"]),
                   models.Index(fields=["dealer", "status", "next_follow_up"]),
                   # The open work of a region or the group, in follow-up order: only the open
                   # prospects (about half), so the list reads from the first due one instead of
                   # walking years of closed ones, and (on PostgreSQL, with the dealer and owner
                   # included) the managers' per-consultant counts read the index alone.
                   models.Index(fields=["next_follow_up", "id"], include=["dealer", "owner"],
                                condition=models.Q(status__in=["open", "defeat_pending"]),
                                name="prospect_open_by_follow_up"),
                   # A consultant's open work in follow-up order (their prospect list and today).
                   models.Index(fields=["owner", "next_follow_up", "id"],
                                condition=models.Q(status__in=["open", "defeat_pending"]),
                                name="prospect_open_by_owner")]
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=models.Q(status__in=["open", "defeat_pending"]),
                                    name="one_active_prospect_per_customer"),
            models.CheckConstraint(condition=models.Q(budget_cents__gte=0) | models.Q(budget_cents__isnull=True),
                                   name="budget_not_negative"),
            models.CheckConstraint(condition=models.Q(deposit_cents__gte=0) | models.Q(deposit_cents__isnull=True),
                                   name="deposit_not_negative"),
        ]

    def __str__(self):
        return f"{self.customer} ({self.grade})"


class GradeChange(models.Model):
    """Every grade a prospect was given: who, when, from what, to what, and why."""

    prospect = models.ForeignKey(Prospect, models.CASCADE, related_name="grade_changes", verbose_name=_("prospect"))
    from_grade = models.CharField(_("from"), max_length=1, choices=Grade.choices, blank=True)
    to_grade = models.CharField(_("to"), max_length=1, choices=Grade.choices)
    reason = models.CharField(_("reason"), max_length=200)
    changed_by = models.ForeignKey(Staff, models.PROTECT, related_name="+", verbose_name=_("changed by"))
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("grade change")
        verbose_name_plural = _("grade changes")
        ordering = ["-changed_at", "-id"]


class ContactKind(models.TextChoices):
    VISIT = "visit", _("Showroom visit")
    CALL = "call", _("Phone call")
    MESSAGE = "message", _("Message (SMS / WeChat)")
    TEST_DRIVE = "test_drive", _("Test drive")
    QUOTE = "quote", _("Quotation")


class ContactPurpose(models.TextChoices):
    """The mix the daily report checks (DOMAIN.md section 4)."""

    DEVELOPMENT = "development", _("Development (working a prospect)")
    MAINTENANCE = "maintenance", _("Maintenance (caring for an owner)")
    PROMOTION = "promotion", _("Promotion (inviting to an event or offer)")


class Contact(models.Model):
    """A contact with a customer: a follow-up of a prospect (it moves the prospect's dates), a
    visit to an owner, or an invitation."""

    customer = models.ForeignKey(Customer, models.CASCADE, related_name="sales_contacts", verbose_name=_("customer"))
    prospect = models.ForeignKey(Prospect, models.CASCADE, null=True, blank=True, related_name="contacts",
                                 verbose_name=_("prospect"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=ContactPurpose.choices,
                               default=ContactPurpose.DEVELOPMENT)
    kind = models.CharField(_("kind"), max_length=20, choices=ContactKind.choices)
    contacted_on = models.DateField(_("date"), validators=bounds.dates())
    grade = models.CharField(_("grade at the time"), max_length=1, choices=Grade.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True, validators=bounds.text())
    result = models.CharField(_("result"), max_length=200, blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(Staff, models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-contacted_on", "-id"]
        indexes = [models.Index(fields=["recorded_by", "contacted_on"]),
                   # an owner's last care contact (the today page's owners to care for)
                   models.Index(fields=["customer", "-contacted_on"], name="contact_care_by_customer",
                                condition=models.Q(purpose="maintenance"))]


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SIGNED = "signed", _("Signed")


class DailyReport(models.Model):
    """A consultant's daily business report (营业日报表): figures generated from the day's
    records, completed by the consultant, signed by the showroom or sales manager."""

    consultant = models.ForeignKey(Staff, models.PROTECT, related_name="daily_reports", verbose_name=_("consultant"))
    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="daily_reports", verbose_name=_("dealer"))
    date = models.DateField(_("date"), validators=bounds.dates())
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    figures = models.JSONField(_("figures"), default=dict)
    visit_notes = models.TextField(_("visit notes"), blank=True, validators=bounds.text())
    tomorrow_plan = models.TextField(_("tomorrow's plan"), blank=True, validators=bounds.text())
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    signed_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("signed by"))
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    instruction = models.TextField(_("manager's instruction"), blank=True, validators=bounds.text())

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-date", "consultant_id"]
        constraints = [models.UniqueConstraint(fields=["consultant", "date"], name="one_report_per_day")]


class SalesTarget(models.Model):
    """A month's targets for a dealer (no consultant) or one consultant (营业目标计划)."""

    dealer = models.ForeignKey(Dealer, models.CASCADE, related_name="sales_targets", verbose_name=_("dealer"))
    consultant = models.ForeignKey(Staff, models.CASCADE, null=True, blank=True, related_name="sales_targets",
                                   verbose_name=_("consultant"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."), validators=bounds.dates())
    walk_ins = models.PositiveIntegerField(_("walk-ins"), default=0, validators=bounds.count(0, bounds.MAX_TARGET))
    new_prospects = models.PositiveIntegerField(_("new prospects"), default=0,
                                                validators=bounds.count(0, bounds.MAX_TARGET))
    orders = models.PositiveIntegerField(_("orders"), default=0, validators=bounds.count(0, bounds.MAX_TARGET))
    deliveries = models.PositiveIntegerField(_("deliveries"), default=0,
                                             validators=bounds.count(0, bounds.MAX_TARGET))

    class Meta:
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        constraints = [
            models.UniqueConstraint(fields=["dealer", "consultant", "month"], name="one_target_per_month"),
            models.UniqueConstraint(fields=["dealer", "month"], condition=models.Q(consultant__isnull=True),
                                    name="one_dealer_target_per_month"),
        ]


class PromotionEvent(models.Model):
    """A showroom event (new model launch, test-drive day, owners' club) with invitations drawn
    from the customer base."""

    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="promotion_events", verbose_name=_("dealer"))
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts on"), validators=bounds.dates())
    ends_on = models.DateField(_("ends on"), validators=bounds.dates())
    description = models.TextField(_("description"), blank=True, validators=bounds.text())
    created_by = models.ForeignKey(Staff, models.PROTECT, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("promotion event")
        verbose_name_plural = _("promotion events")
        ordering = ["-starts_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                              name="event_ends_after_it_starts")]


class Invitation(models.Model):
    """A customer invited to an event: whether they came, and the follow-up after."""

    event = models.ForeignKey(PromotionEvent, models.CASCADE, related_name="invitations", verbose_name=_("event"))
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="invitations", verbose_name=_("customer"))
    invited_by = models.ForeignKey(Staff, models.PROTECT, related_name="+", verbose_name=_("invited by"))
    invited_on = models.DateField(_("invited on"), validators=bounds.dates())
    attended_on = models.DateField(_("attended on"), null=True, blank=True, validators=bounds.dates())
    followed_up_on = models.DateField(_("followed up on"), null=True, blank=True, validators=bounds.dates())
    follow_up_result = models.CharField(_("follow-up result"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [models.UniqueConstraint(fields=["event", "customer"], name="one_invitation_per_customer")]
