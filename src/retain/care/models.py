"""Base-customer care (DOMAIN.md section 3): the care calendar's rules per dealer, the tasks they
produce (and manual ones), and the VIP files.

A task is one touch with one customer: a greeting, an after-delivery call, a service or renewal
reminder, a VIP visit. Rules say which touches a dealer makes, how many days ahead the task is
made, by which channel and who owns it; ``care.services.generate`` turns them into tasks each
day, once per occurrence (the unique key), and ``care.services.tasks`` records their outcomes.
Tasks are read through ``care.access`` and written only by ``care.services``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from retain import bounds
from retain.customers.models import Customer, Vehicle
from retain.org.models import Dealer, DepartmentKind, Staff


class TaskKind(models.TextChoices):
    """What a task is for. Every kind but ``manual`` has one rule per dealer."""

    BIRTHDAY = "birthday", _("Birthday greeting")
    SPRING_FESTIVAL = "spring_festival", _("Spring Festival greeting")
    DRAGON_BOAT = "dragon_boat", _("Dragon Boat Festival greeting")
    MID_AUTUMN = "mid_autumn", _("Mid-Autumn Festival greeting")
    NATIONAL_DAY = "national_day", _("National Day greeting")
    DELIVERY_D1 = "delivery_d1", _("Day after delivery: call")
    DELIVERY_D7 = "delivery_d7", _("A week after delivery: usage check")
    DELIVERY_D30 = "delivery_d30", _("A month after delivery: visit invitation")
    SERVICE_DUE = "service_due", _("Service due")
    INSURANCE_60 = "insurance_60", _("Insurance renewal, 60 days ahead")
    INSURANCE_30 = "insurance_30", _("Insurance renewal, 30 days ahead")
    INSURANCE_7 = "insurance_7", _("Insurance renewal, 7 days ahead")
    INSPECTION = "inspection", _("Annual inspection due")
    REPLACEMENT = "replacement", _("Replacement purchase invitation")
    ACCIDENT = "accident", _("Accident condolence")
    VIP_VISIT = "vip_visit", _("VIP visit (monthly)")
    MANAGER_CONTACT = "manager_contact", _("Manager's own contact with a VIP")
    MANUAL = "manual", _("Manual task")


#: The kinds a rule exists for, in the order the rules page lists them.
RULE_KINDS = [kind for kind in TaskKind if kind != TaskKind.MANUAL]
#: Kinds whose touch is marketing: not made for a customer who withdrew marketing consent. The
#: others are about the customer's own car or purchase (service contact), as the channels' rule.
MARKETING_KINDS = frozenset({TaskKind.BIRTHDAY, TaskKind.SPRING_FESTIVAL, TaskKind.DRAGON_BOAT,
                             TaskKind.MID_AUTUMN, TaskKind.NATIONAL_DAY, TaskKind.REPLACEMENT})
#: Kinds owned by the people named on the VIP file, not by the rule's assignee.
VIP_KINDS = frozenset({TaskKind.VIP_VISIT, TaskKind.MANAGER_CONTACT})


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit")
    MESSAGE = "message", _("Message (SMS / WeChat / e-mail)")


class Assignee(models.TextChoices):
    """Who owns a rule's tasks. A customer without one goes to the department's manager
    (``org.policy.stand_ins``)."""

    CONSULTANT = "consultant", _("The customer's consultant")
    SERVICE_ADVISOR = "service_advisor", _("The customer's service advisor")


#: The department that owns a task, from who owns it.
DEPARTMENT_OF_ASSIGNEE = {Assignee.CONSULTANT: DepartmentKind.SALES, Assignee.SERVICE_ADVISOR: DepartmentKind.SERVICE}


class CareRule(models.Model):
    """One kind of touch at one dealer. A dealer without rules works with the defaults
    (``care.rules.DEFAULTS``); they are written the first time the calendar runs for it or a
    manager changes one."""

    dealer = models.ForeignKey(Dealer, models.CASCADE, related_name="care_rules", verbose_name=_("dealer"))
    kind = models.CharField(_("kind"), max_length=20, choices=[(k.value, k.label) for k in RULE_KINDS])
    enabled = models.BooleanField(_("enabled"), default=True)
    lead_days = models.PositiveSmallIntegerField(
        _("days ahead"), default=0, validators=bounds.count(0, 90),
        help_text=_("How many days before the touch is due its task appears."))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    template_code = models.CharField(_("message template"), max_length=40, blank=True,
                                     help_text=_("The template a message rule sends (the dealer's messages)."))
    assignee = models.CharField(_("owner"), max_length=20, choices=Assignee.choices, default=Assignee.CONSULTANT)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("care rule")
        verbose_name_plural = _("care rules")
        ordering = ["dealer_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "kind"], name="one_care_rule_per_kind"),
            models.CheckConstraint(condition=models.Q(lead_days__gte=0), name="care_lead_days_not_negative"),
        ]

    def __str__(self):
        return f"{self.dealer} · {self.get_kind_display()}"


class CareSettings(models.Model):
    """A dealer's intervals and thresholds for the calendar's vehicle touches. A dealer without a
    row uses the field defaults."""

    dealer = models.OneToOneField(Dealer, models.CASCADE, related_name="care_settings", verbose_name=_("dealer"))
    first_service_months = models.PositiveSmallIntegerField(
        _("first service after (months)"), default=6, validators=bounds.count(1, 36),
        help_text=_("For a new car; vehicle models in this system carry no interval of their own."))
    first_service_km = models.PositiveIntegerField(_("first service after (km)"), default=5_000,
                                                   validators=bounds.count(500, 100_000))
    service_months = models.PositiveSmallIntegerField(_("service interval (months)"), default=6,
                                                      validators=bounds.count(1, 36))
    service_km = models.PositiveIntegerField(_("service interval (km)"), default=7_500,
                                             validators=bounds.count(500, 100_000))
    replacement_years = models.PositiveSmallIntegerField(_("replacement invitation at vehicle age (years)"),
                                                         default=5, validators=bounds.count(1, 30))
    replacement_km = models.PositiveIntegerField(_("replacement invitation at mileage (km)"), default=100_000,
                                                 validators=bounds.count(10_000, 1_000_000))
    manager_contact_months = models.PositiveSmallIntegerField(
        _("manager's VIP contact every (months)"), default=3, validators=bounds.count(1, 12))

    class Meta:
        verbose_name = _("care settings")
        verbose_name_plural = _("care settings")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Outcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    BOOKED_SERVICE = "booked_service", _("Booked a service")
    INTERESTED_REPLACEMENT = "interested_replacement", _("Interested in a replacement")
    NOT_INTERESTED = "not_interested", _("Not interested")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    DO_NOT_CONTACT = "do_not_contact", _("Asked not to be contacted")


#: Outcomes in which someone spoke with the customer: the daily report counts them as contacts.
REACHED_OUTCOMES = (Outcome.REACHED, Outcome.BOOKED_SERVICE, Outcome.INTERESTED_REPLACEMENT,
                    Outcome.NOT_INTERESTED, Outcome.DO_NOT_CONTACT)


class Task(models.Model):
    """One care touch (or a manual task) with a customer: due on a day, owned by a person of a
    department, done with an outcome."""

    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="care_tasks", verbose_name=_("dealer"))
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="care_tasks", verbose_name=_("customer"))
    vehicle = models.ForeignKey(Vehicle, models.SET_NULL, null=True, blank=True, related_name="care_tasks",
                                verbose_name=_("vehicle"))
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    rule = models.ForeignKey(CareRule, models.PROTECT, null=True, blank=True, related_name="tasks",
                             verbose_name=_("rule"))
    # Which occurrence of the rule this is (a year, a vehicle and its due date, a month of a VIP
    # file...): with the customer and the rule, the key that makes the calendar idempotent.
    occurrence = models.CharField(_("occurrence"), max_length=60, blank=True)
    reason = models.CharField(_("why"), max_length=100, blank=True,
                              help_text=_("What made the task due, in a word (solar or lunar, by months or by km...)."))
    due_on = models.DateField(_("due on"), validators=bounds.dates())
    owner = models.ForeignKey(Staff, models.SET_NULL, null=True, blank=True, related_name="care_tasks",
                              verbose_name=_("owner"))
    department = models.CharField(_("department"), max_length=20, choices=DepartmentKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    template_code = models.CharField(_("message template"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True, validators=bounds.text())
    done_on = models.DateField(_("done on"), null=True, blank=True, validators=bounds.dates())
    done_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("done by"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("care task")
        verbose_name_plural = _("care tasks")
        ordering = ["due_on", "id"]
        indexes = [
            # A person's open work in due order (their list and the today page).
            models.Index(fields=["owner", "due_on", "id"], condition=models.Q(status="open"),
                         name="care_task_open_by_owner"),
            # A dealer's open work (managers' lists and the completion table).
            models.Index(fields=["dealer", "due_on", "id"], condition=models.Q(status="open"),
                         name="care_task_open_by_dealer"),
            models.Index(fields=["dealer", "due_on"], name="care_task_dealer_due"),
            # The daily report's owner contacts: what one person did on a day.
            models.Index(fields=["done_by", "done_on"], name="care_task_done_by_day"),
            models.Index(fields=["customer", "-due_on"], name="care_task_customer"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["customer", "rule", "occurrence"], condition=models.Q(rule__isnull=False),
                                    name="one_care_task_per_occurrence"),
            models.CheckConstraint(condition=models.Q(status="done", done_on__isnull=False)
                                   | ~models.Q(status="done"), name="care_task_done_has_a_day"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.customer}"

    @property
    def reason_label(self) -> str:
        return str(REASONS.get(self.reason, self.reason))


#: What ``Task.reason`` says, in words.
REASONS = {
    "solar": _("solar calendar"), "lunar": _("lunar calendar"),
    "sticker": _("apply for the inspection sticker (no on-site inspection)"), "on_site": _("on-site inspection"),
    "months": _("by months since the last service"), "km": _("by mileage"), "age": _("by vehicle age"),
}


class VipSource(models.TextChoices):
    """Where a VIP comes from (DOMAIN.md section 3; seed 004, VIP客户建立的来源)."""

    USED_CAR_MARKET = "used_car_market", _("Used-car market")
    ACCESSORY_SHOP = "accessory_shop", _("Accessory shop")
    DRIVING_SCHOOL = "driving_school", _("Driving school")
    INSURER = "insurer", _("Insurance company")
    BANK = "bank", _("Bank")
    AFFILIATE = "affiliate", _("Affiliated company or supplier")
    FLEET = "fleet", _("Fleet / group customer")
    LEASING = "leasing", _("Leasing firm")
    SOCIAL_VENUE = "social_venue", _("Social venue")
    STAFF = "staff", pgettext_lazy("VIP source", "Staff")


class VipFile(models.Model):
    """The file a dealer keeps on a VIP (专门档案): where they come from, the consultant who
    visits them every month and the manager who keeps in touch personally. The job makes both
    touches as tasks; referrals the VIP brings are credited on the customers they introduced
    (``Customer.referred_by``)."""

    customer = models.OneToOneField(Customer, models.CASCADE, related_name="vip_file", verbose_name=_("VIP"))
    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="vip_files", verbose_name=_("dealer"))
    source = models.CharField(_("source"), max_length=20, choices=VipSource.choices)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True,
                                    help_text=_("The market, shop, school, company or venue the VIP is with."))
    consultant = models.ForeignKey(Staff, models.PROTECT, related_name="vip_files",
                                   verbose_name=_("consultant who visits monthly"))
    manager = models.ForeignKey(Staff, models.PROTECT, related_name="managed_vip_files",
                                verbose_name=_("manager in personal contact"))
    opened_on = models.DateField(_("opened on"), validators=bounds.dates(),
                                 help_text=_("Monthly visits fall due on this day of each month."))
    active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True, validators=bounds.text())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("VIP file")
        verbose_name_plural = _("VIP files")
        ordering = ["dealer_id", "-opened_on", "id"]
        indexes = [models.Index(fields=["dealer", "active"], name="vip_file_dealer")]

    def __str__(self):
        return str(self.customer)
