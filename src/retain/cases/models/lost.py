"""Lost owners and win-back (issue 10, DOMAIN.md sections 6-7): an owner who has left the dealer,
why, what losing them costs, and the dealer's attempt to win them back.

A ``LostOwner`` is recorded by staff (the customer said so) or proposed by the worker (P(alive)
fell below the threshold and there was no visit for months); a proposal is only a proposal until
someone confirms or dismisses it. Its value is computed once, through
``retain.analytics.retention.lost_customer_value``, from the customer's own transactions, and the
inputs are kept beside it so the page can say how it was reached. The win-back steps (seed 001:
listen, meet reasonable demands, offer a way back, keep in touch) are ``WinBackStep`` rows.
Records are read through ``cases.access`` and written only by ``cases.services.lost``.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from retain import bounds
from retain.customers.models import Customer
from retain.org.models import Dealer, Staff


class LostReason(models.TextChoices):
    """Why customers leave, as in the training material (seed 002), with its reference shares."""

    MOVED = "moved", _("Moved away")
    DIED = "died", _("Died")
    OTHER_RELATIONSHIPS = "other_relationships", _("Other relationships (a friend or relative elsewhere)")
    COMPETITOR = "competitor", _("A competitor's offer")
    PRODUCT = "product", _("Dissatisfied with the product")
    STAFF = "staff", _("Indifferent staff")


#: The seed's reference shares of the reasons (seed 002: 3 %, 1 %, 5 %, 9 %, 14 %, 68 %).
REFERENCE_SHARES = {
    LostReason.MOVED: 0.03,
    LostReason.DIED: 0.01,
    LostReason.OTHER_RELATIONSHIPS: 0.05,
    LostReason.COMPETITOR: 0.09,
    LostReason.PRODUCT: 0.14,
    LostReason.STAFF: 0.68,
}


class LostSource(models.TextChoices):
    RECORDED = "recorded", _("Recorded by staff")
    PROPOSED = "proposed", _("Proposed by the system")


class LostStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed, to confirm")
    CONFIRMED = "confirmed", _("Confirmed lost")
    DISMISSED = "dismissed", _("Dismissed")
    WON_BACK = "won_back", _("Won back")


#: Statuses in which a customer counts as (possibly) lost: at most one such record per customer.
OPEN_STATUSES = (LostStatus.PROPOSED, LostStatus.CONFIRMED)


class WinBackStepKind(models.TextChoices):
    """The win-back workflow of seed 001, in its order."""

    LISTEN = "listen", _("Listen")
    MEET_DEMANDS = "meet_demands", _("Meet reasonable demands")
    OFFER_WAY_BACK = "offer_way_back", _("Offer a way back")
    KEEP_IN_TOUCH = "keep_in_touch", _("Keep in touch")


class LostOwner(models.Model):
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="lost_records", verbose_name=_("customer"))
    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="lost_owners", verbose_name=_("dealer"))
    source = models.CharField(_("how it came"), max_length=10, choices=LostSource.choices)
    status = models.CharField(_("status"), max_length=10, choices=LostStatus.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=LostReason.choices, blank=True,
                              help_text=_("Empty while a proposal waits to be confirmed."))
    lost_on = models.DateField(_("lost on"), validators=bounds.dates(),
                               help_text=_("The day the owner was found to have left."))
    last_visit = models.DateField(_("last visit"), null=True, blank=True, validators=bounds.dates())
    p_alive = models.FloatField(_("probability alive when proposed"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, validators=bounds.text())
    # The value, computed once through retain.analytics.retention.lost_customer_value, with its inputs.
    annual_spend_cents = models.BigIntegerField(_("annual spend (cents)"), validators=bounds.money())
    history_cents = models.BigIntegerField(_("spent in their history (cents)"), default=0)
    history_years = models.FloatField(_("years the spend is spread over"), default=0)
    years = models.FloatField(_("years they would have stayed"))
    people_told = models.FloatField(_("people told"))
    share_influenced = models.FloatField(_("share of them influenced"))
    retold_per_influenced = models.FloatField(_("people each of those tells"))
    share_who_stop = models.FloatField(_("share of those who stop buying"))
    word_of_mouth_customers = models.FloatField(_("customers lost by word of mouth"))
    direct_value_cents = models.BigIntegerField(_("their own lost sales (cents)"))
    word_of_mouth_value_cents = models.BigIntegerField(_("sales lost by word of mouth (cents)"))
    value_cents = models.BigIntegerField(_("value of the lost customer (cents)"))
    # Who did what, when.
    recorded_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"), help_text=_("Empty: proposed by the system."))
    recorded_at = models.DateTimeField(_("recorded at"))
    confirmed_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    dismissed_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("dismissed by"))
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)
    won_back_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("won back by"), help_text=_("Empty: seen by the system."))
    won_back_at = models.DateTimeField(_("won back at"), null=True, blank=True)
    won_back_on = models.DateField(_("came back on"), null=True, blank=True, validators=bounds.dates())

    class Meta:
        verbose_name = _("lost owner")
        verbose_name_plural = _("lost owners")
        ordering = ["-lost_on", "-id"]
        indexes = [models.Index(fields=["dealer", "status", "lost_on"], name="lost_owner_dealer")]
        constraints = [
            # A customer is lost (or proposed as lost) once at a time; the worker's proposals rely
            # on it to stay idempotent when two runs overlap.
            models.UniqueConstraint(fields=["customer"], condition=Q(status__in=["proposed", "confirmed"]),
                                    name="one_open_lost_record_per_customer"),
            models.CheckConstraint(condition=Q(value_cents__gte=0), name="lost_value_not_negative"),
        ]

    def __str__(self):
        return str(self.customer)

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES


class WinBackStep(models.Model):
    lost_owner = models.ForeignKey(LostOwner, models.CASCADE, related_name="steps", verbose_name=_("lost owner"))
    kind = models.CharField(_("step"), max_length=20, choices=WinBackStepKind.choices)
    done_on = models.DateField(_("done on"), validators=bounds.dates())
    done_by = models.ForeignKey(Staff, models.PROTECT, related_name="+", verbose_name=_("done by"))
    notes = models.TextField(_("notes"), validators=bounds.text())
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("win-back step")
        verbose_name_plural = _("win-back steps")
        ordering = ["done_on", "id"]

    def __str__(self):
        return self.get_kind_display()
