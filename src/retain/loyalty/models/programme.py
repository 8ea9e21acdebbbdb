"""A dealer's points programme: the rules the ledger needs (how long earned points wait before they
may be spent, when they expire, the largest single movement). Earning rules, tiers and rewards
hang off it later."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from retain import bounds
from retain.org.models import Dealer

#: The largest amount any one transfer may move, whatever a programme says: ten billion points
#: keeps every sum of a year's transfers far inside a signed 64-bit column.
MAX_POINTS = 10_000_000_000

#: The longest a reservation made without a voucher may be held: 90 days, in hours.
MAX_RESERVATION_HOURS = 2160


class Programme(models.Model):
    dealer = models.OneToOneField(Dealer, models.PROTECT, related_name="loyalty_programme", verbose_name=_("dealer"))
    name = models.CharField(_("name"), max_length=100)
    pending_days = models.PositiveSmallIntegerField(
        _("days before earned points may be spent"), default=14, validators=bounds.count(0, 365),
        help_text=_("The returns window: points from a purchase wait this long, and go if it is returned."))
    expiry_months = models.PositiveSmallIntegerField(
        _("months before points expire"), default=24, validators=bounds.count(1, 120),
        help_text=_("Points expire at the end of this month after the month they were earned in."))
    max_points_per_transfer = models.BigIntegerField(
        _("most points in one movement"), default=10_000_000, validators=bounds.count(1, MAX_POINTS))
    # Goodwill points from complaint cases (``services.goodwill``): at most this many per case, and
    # per member in one month (the dealer's local month), however many cases they have.
    goodwill_case_cap = models.PositiveIntegerField(
        _("most goodwill points for one case"), default=2_000, validators=bounds.count(0, 10_000_000))
    goodwill_month_cap = models.PositiveIntegerField(
        _("most goodwill points for one member in a month"), default=5_000, validators=bounds.count(0, 10_000_000))
    #: What the programme counts a point as worth, for the liability report (cents per point).
    point_value_cents = models.PositiveIntegerField(
        _("value of a point (cents)"), default=1, validators=bounds.count(0, 10_000),
        help_text=_("What an outstanding point is worth on the liability report."))
    # A reservation made without a voucher (the API's) is held this long; past it, it can no longer
    # be redeemed and the daily job ``loyalty.release_stale`` gives its points back. A voucher's
    # reservation follows the voucher's own last day instead.
    reservation_hours = models.PositiveSmallIntegerField(
        _("hours a reservation is held"), default=72, validators=bounds.count(1, MAX_RESERVATION_HOURS),
        help_text=_("A reservation made without a voucher that is neither redeemed nor released within this "
                    "many hours times out: its points go back to the member."))
    # Earning exclusions (``services.rules``; the rules themselves are ``EarningRule`` rows): customers
    # of these kinds, classifications or tags never earn (a company's fleet cars earn under its
    # fleet contract, not as a member; staff are tagged so).
    excluded_customer_kinds = models.JSONField(_("customer kinds that never earn"), default=list, blank=True)
    excluded_classifications = models.JSONField(_("classifications that never earn"), default=list, blank=True)
    excluded_tags = models.JSONField(_("tags whose customers never earn"), default=list, blank=True)
    # Tiers: lowered only at the membership anniversary, this many days after it.
    downgrade_grace_days = models.PositiveSmallIntegerField(
        _("grace days after the anniversary before a tier is lowered"), default=30, validators=bounds.count(0, 365))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points programme")
        verbose_name_plural = _("points programmes")

    def __str__(self):
        return self.name
