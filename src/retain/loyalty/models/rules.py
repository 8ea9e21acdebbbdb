"""A programme's earning rules and tiers, as data a manager edits (``services.rules``), and each
member's standing in the tiers.

- ``EarningRule``: one per trigger a programme earns on. A purchase trigger (a kind of
  ``customers.Transaction``) earns ``points_per_100_yuan`` for each hundred yuan (integer points,
  rounded down) from ``min_amount_cents`` up; an event trigger (``EventKind``) earns its fixed
  ``points``. Both are multiplied by the member's tier multiplier, then capped per member per
  local day and per calendar year (``day_cap``, ``year_cap``; empty: no cap). A trigger with no
  rule, or an inactive one, earns nothing.
- ``Tier``: the programme's levels by qualifying points (earned from purchases and events in the
  last 12 months: not goodwill, adjustments or transfers), with an earning multiplier and the
  benefits of the level, service entitlements included.
- ``Membership``: a member's tier, since when, their anniversary (the day they joined the
  programme: a downgrade waits for it), and the qualifying points last counted.
- ``TierChange``: one row per change of tier (an audit trail of the standing, written in the same
  statement set as the change)."""

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from retain import bounds
from retain.customers.models import Customer, TransactionKind

from .programme import Programme


class EventKind(models.TextChoices):
    REFERRAL_DELIVERED = "referral_delivered", _("Referral took delivery")
    SURVEY_COMPLETED = "survey_completed", _("Survey completed")
    BIRTHDAY = "birthday", _("Birthday")
    CLUB_EVENT_ATTENDED = "club_event_attended", _("Club event attended")
    PROFILE_COMPLETED = "profile_completed", _("Profile completed")


#: Every trigger a rule may name: the purchase kinds, then the events.
TRIGGERS = [*TransactionKind.choices, *EventKind.choices]
PURCHASES = tuple(kind.value for kind in TransactionKind)
EVENTS = tuple(kind.value for kind in EventKind)
#: Bounds of a rule's numbers (so points * multiplier stays inside 64 bits for any amount).
MAX_RATE, MAX_EVENT_POINTS, MAX_CAP, MAX_MULTIPLIER = 10_000, 1_000_000, 100_000_000, 1_000


class EarningRule(models.Model):
    programme = models.ForeignKey(Programme, models.CASCADE, related_name="rules", verbose_name=_("programme"))
    trigger = models.CharField(_("earned for"), max_length=30, choices=TRIGGERS)
    active = models.BooleanField(_("active"), default=True)
    points_per_100_yuan = models.PositiveIntegerField(
        _("points per 100 yuan"), default=0, validators=bounds.count(0, MAX_RATE),
        help_text=_("Purchases: points for each hundred yuan spent (rounded down)."))
    min_amount_cents = models.BigIntegerField(_("smallest amount that earns (cents)"), default=0,
                                              validators=bounds.money())
    points = models.PositiveIntegerField(_("points per event"), default=0, validators=bounds.count(0, MAX_EVENT_POINTS))
    day_cap = models.PositiveIntegerField(_("most points a member earns this way in a day"), null=True, blank=True,
                                          validators=bounds.count(1, MAX_CAP))
    year_cap = models.PositiveIntegerField(_("most points a member earns this way in a year"), null=True,
                                           blank=True, validators=bounds.count(1, MAX_CAP))

    class Meta:
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")
        ordering = ["programme", "trigger"]
        constraints = [models.UniqueConstraint(fields=["programme", "trigger"], name="loyalty_one_rule_per_trigger")]

    def __str__(self):
        return self.get_trigger_display()

    @property
    def is_event(self) -> bool:
        return self.trigger in EVENTS


class Tier(models.Model):
    programme = models.ForeignKey(Programme, models.CASCADE, related_name="tiers", verbose_name=_("programme"))
    rank = models.PositiveSmallIntegerField(_("rank"), validators=bounds.count(0, 9))
    name = models.CharField(_("name"), max_length=40)
    threshold = models.PositiveIntegerField(_("qualifying points needed"), validators=bounds.count(0, MAX_CAP))
    multiplier_percent = models.PositiveSmallIntegerField(_("earning multiplier (percent)"), default=100,
                                                          validators=bounds.count(1, MAX_MULTIPLIER))
    priority_booking = models.BooleanField(_("priority service booking"), default=False)
    courtesy_car = models.BooleanField(_("courtesy car during repairs"), default=False)
    free_washes_per_year = models.PositiveSmallIntegerField(_("free car washes a year"), default=0,
                                                            validators=bounds.count(0, 365))
    benefits = models.TextField(_("other benefits (one a line)"), blank=True, default="", validators=[MaxLengthValidator(2_000)])

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["programme", "rank"]
        constraints = [models.UniqueConstraint(fields=["programme", "rank"], name="loyalty_one_tier_per_rank"),
                       models.UniqueConstraint(fields=["programme", "threshold"], name="loyalty_tier_thresholds_differ")]

    def __str__(self):
        return self.name

    def benefit_lines(self) -> list[str]:
        return [line for line in self.benefits.splitlines() if line.strip()]


class Membership(models.Model):
    programme = models.ForeignKey(Programme, models.CASCADE, related_name="memberships", verbose_name=_("programme"),
                                  db_index=False)
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="memberships", verbose_name=_("member"))
    tier = models.ForeignKey(Tier, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("tier"))
    tier_since = models.DateField(_("in this tier since"), validators=bounds.dates())
    joined_on = models.DateField(_("member since"), validators=bounds.dates(),
                                 help_text=_("The membership anniversary: a tier is lowered only on it."))
    qualifying_points = models.BigIntegerField(_("qualifying points"), default=0)
    counted_on = models.DateField(_("qualifying points counted on"), validators=bounds.dates())

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["programme", "customer"], name="loyalty_one_membership")]
        # the daily downgrade finds the members whose anniversary it is by the days they joined
        indexes = [models.Index(fields=["programme", "joined_on"], name="loyalty_membership_anniversary")]


class TierChange(models.Model):
    membership = models.ForeignKey(Membership, models.CASCADE, related_name="changes", verbose_name=_("membership"))
    from_tier = models.ForeignKey(Tier, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("from"))
    to_tier = models.ForeignKey(Tier, models.PROTECT, related_name="+", verbose_name=_("to"))
    day = models.DateField(_("day"))
    qualifying_points = models.BigIntegerField(_("qualifying points"))
    reason = models.CharField(_("reason"), max_length=20, choices=[
        ("upgrade", _("Upgraded")), ("downgrade", _("Lowered at the anniversary")), ("rules", _("Tiers changed"))])
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-day", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(from_tier=models.F("to_tier")),
                                              name="loyalty_tier_change_changes")]
