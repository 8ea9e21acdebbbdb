"""Coalition partners (seed 001: coalition points; seed 004: cross-industry alliance): a car wash,
an insurer, a restaurant that issues our points to our members (and pays us for each) or accepts
them as payment (and is paid by us for each), at rates agreed per partner.

Each partner has one system account of the programme (``AccountKind.PARTNER``, ``key`` = the
partner's code): an issue is a transfer partner -> member, an acceptance member -> partner. A
month's ``Settlement`` is the closed record of what the partner issued and accepted in that month
(the dealer's local month), what was reversed in it and the money due each way; it is immutable,
and a month is closed once (unique)."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from retain import bounds
from retain.org.models import Staff

from .programme import Programme
from .transfer import AppendOnly

#: The most cents per point either way (¥100 a point is far beyond any real programme).
MAX_RATE_CENTS = 10_000


class PartnerKind(models.TextChoices):
    CAR_WASH = "car_wash", _("Car wash")
    INSURER = "insurer", _("Insurer")
    RESTAURANT = "restaurant", _("Restaurant")
    FUEL = "fuel", _("Fuel station")
    RETAIL = "retail", _("Shop")
    OTHER = "other", _("Other partner")


class Partner(models.Model):
    programme = models.ForeignKey(Programme, models.PROTECT, related_name="partners", verbose_name=_("programme"))
    name = models.CharField(_("name"), max_length=100, validators=bounds.text())
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    code = models.CharField(_("code"), max_length=40, validators=[RegexValidator(
        r"^[a-z0-9][a-z0-9_-]*$", _("Use lower-case letters, digits, - and _."))],
        help_text=_("The key of the partner's points account; not changed once used."))
    issue_rate_cents = models.PositiveIntegerField(
        _("cents the partner pays per point it issues"), validators=bounds.count(0, MAX_RATE_CENTS))
    accept_rate_cents = models.PositiveIntegerField(
        _("cents we pay per point spent at the partner"), validators=bounds.count(0, MAX_RATE_CENTS))
    active_from = models.DateField(_("active from"), validators=bounds.dates())
    active_until = models.DateField(_("active until"), null=True, blank=True, validators=bounds.dates())
    #: The API caller acting for the partner (its till or booking system): may record the
    #: partner's movements, nothing else.
    agent = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("API caller for the partner"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("coalition partner")
        verbose_name_plural = _("coalition partners")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="loyalty_partner_code_once"),
            models.CheckConstraint(condition=Q(active_until__isnull=True) | Q(active_until__gte=models.F("active_from")),
                                   name="loyalty_partner_dates_in_order"),
        ]

    def __str__(self):
        return self.name

    def active_on(self, day) -> bool:
        return self.active_from <= day and (self.active_until is None or day <= self.active_until)


class Settlement(AppendOnly):
    """A closed month of a partner: the figures as they stood at closing, the rates applied and
    who closed it. Never changed: a month is closed once."""

    partner = models.ForeignKey(Partner, models.PROTECT, related_name="settlements", verbose_name=_("partner"))
    month = models.DateField(_("month"), help_text=_("The first day of the dealer's local month."))
    issued_points = models.BigIntegerField(_("points issued by the partner"))
    accepted_points = models.BigIntegerField(_("points accepted at the partner"))
    # Reversals made in the month (of movements of this month or an earlier one): the money is due
    # on the points issued and accepted less these. Months closed before reversals existed hold 0.
    issued_reversed_points = models.BigIntegerField(_("issued points reversed"), default=0)
    accepted_reversed_points = models.BigIntegerField(_("accepted points reversed"), default=0)
    issue_rate_cents = models.PositiveIntegerField(_("cents per point issued"))
    accept_rate_cents = models.PositiveIntegerField(_("cents per point accepted"))
    due_from_partner_cents = models.BigIntegerField(_("due from the partner (cents)"))
    due_to_partner_cents = models.BigIntegerField(_("due to the partner (cents)"))
    net_cents = models.BigIntegerField(_("net (cents, positive: the partner pays)"))
    transfers = models.PositiveIntegerField(_("movements"))
    closed_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("closed by"))
    closed_at = models.DateTimeField(_("closed at"))

    class Meta:
        verbose_name = _("partner settlement")
        verbose_name_plural = _("partner settlements")
        constraints = [
            models.UniqueConstraint(fields=["partner", "month"], name="loyalty_settlement_once_per_month"),
            models.CheckConstraint(condition=Q(issued_points__gte=0) & Q(accepted_points__gte=0),
                                   name="loyalty_settlement_points_not_negative"),
            models.CheckConstraint(condition=Q(issued_reversed_points__gte=0) & Q(accepted_reversed_points__gte=0),
                                   name="loyalty_settlement_reversed_not_negative"),
        ]
