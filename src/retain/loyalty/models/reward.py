"""The rewards catalogue and the vouchers ordered from it (issue 11, item 4).

A reward is a programme's (a dealer's): a gift, a service (a free car wash, maintenance labour) or a
voucher/discount, with a cost in points, a stock (``None``: unlimited; never below zero, also in
the database) and a per-member limit. The limit counts a member's vouchers of the reward that are
open or used (cancelled and expired ones give the order back) either in the calendar year of the
order (the dealer's local year, ``per year``) or ever.

A voucher is one order of one reward by one member: its points are reserved (a ``reserve``
transfer, unique per voucher), then exactly one of: used at the desk (the reservation posted),
cancelled, or expired by the daily job (the reservation released, the stock given back). Its
``status`` is the one mutable column; the transfers that settle the reservation are the ledger's."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from retain import bounds
from retain.customers.models import Customer
from retain.org.models import Staff

from .programme import MAX_POINTS, Programme
from .transfer import Transfer

#: A voucher's code: 12 random characters and a check character (``services.codes``).
CODE_LENGTH = 13


class RewardKind(models.TextChoices):
    GIFT = "gift", _("Gift")
    SERVICE = "service", _("Service")
    VOUCHER = "voucher", _("Voucher or discount")


class LimitPeriod(models.TextChoices):
    YEAR = "year", _("per calendar year")
    EVER = "ever", _("ever")


class Reward(models.Model):
    programme = models.ForeignKey(Programme, models.PROTECT, related_name="rewards", verbose_name=_("programme"))
    name = models.CharField(_("name"), max_length=100, validators=bounds.text())
    description = models.TextField(_("description"), blank=True, default="", max_length=2000,
                                   validators=bounds.text())
    kind = models.CharField(_("kind"), max_length=10, choices=RewardKind.choices, default=RewardKind.GIFT)
    points = models.BigIntegerField(_("points cost"), validators=bounds.count(1, MAX_POINTS))
    stock = models.PositiveIntegerField(_("in stock"), null=True, blank=True, validators=bounds.count(0, 1_000_000),
                                        help_text=_("Leave empty for no limit."))
    member_limit = models.PositiveIntegerField(_("most per member"), null=True, blank=True,
                                               validators=bounds.count(1, 1000),
                                               help_text=_("Leave empty for no limit."))
    limit_period = models.CharField(_("limit counted"), max_length=4, choices=LimitPeriod.choices,
                                    default=LimitPeriod.YEAR)
    valid_days = models.PositiveSmallIntegerField(
        _("days a voucher is valid"), default=30, validators=bounds.count(1, 366),
        help_text=_("A voucher not handed over within this many days expires and its points come back."))
    active = models.BooleanField(_("active"), default=True)
    valid_from = models.DateField(_("orderable from"), null=True, blank=True, validators=bounds.dates())
    valid_until = models.DateField(_("orderable until"), null=True, blank=True, validators=bounds.dates())
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["points", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="loyalty_reward_costs_points"),
            models.CheckConstraint(condition=Q(stock__isnull=True) | Q(stock__gte=0),
                                   name="loyalty_reward_stock_not_negative"),
            models.CheckConstraint(condition=Q(valid_from__isnull=True) | Q(valid_until__isnull=True)
                                   | Q(valid_until__gte=models.F("valid_from")),
                                   name="loyalty_reward_dates_in_order"),
        ]

    def __str__(self):
        return self.name


class VoucherStatus(models.TextChoices):
    OPEN = "open", _("Open")
    USED = "used", _("Handed over")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class Voucher(models.Model):
    reward = models.ForeignKey(Reward, models.PROTECT, related_name="vouchers", verbose_name=_("reward"))
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="vouchers", verbose_name=_("member"))
    code = models.CharField(_("code"), max_length=CODE_LENGTH, unique=True)
    #: The reservation of the voucher's points (settled once: posted at hand-over, released otherwise).
    reservation = models.OneToOneField(Transfer, models.PROTECT, related_name="voucher",
                                       verbose_name=_("reservation"))
    points = models.BigIntegerField(_("points"))
    status = models.CharField(_("status"), max_length=10, choices=VoucherStatus.choices, default=VoucherStatus.OPEN)
    ordered_at = models.DateTimeField(_("ordered at"))
    ordered_on = models.DateField(_("ordered on"))  # the dealer's local day (the limit's year)
    expires_on = models.DateField(_("valid until"), validators=bounds.dates())
    ordered_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("ordered by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("closed by"))

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        indexes = [models.Index(fields=["customer", "status"], name="loyalty_voucher_member"),
                   models.Index(fields=["status", "expires_on"], name="loyalty_voucher_due")]
        constraints = [
            models.CheckConstraint(condition=Q(status=VoucherStatus.OPEN, closed_at__isnull=True)
                                   | (~Q(status=VoucherStatus.OPEN) & Q(closed_at__isnull=False)),
                                   name="loyalty_voucher_closed_once"),
        ]

    def __str__(self):
        return self.code
