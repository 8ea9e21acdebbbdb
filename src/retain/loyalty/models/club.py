"""Owners' clubs (issue 11, item 6): a club per dealer, optionally of one vehicle model; members
join and leave (dated, a rejoin is a new row); a club's events are sales' promotion events (with
their invitations and attendance), linked here."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from retain import bounds
from retain.customers.models import Customer
from retain.org.models import Dealer, Staff
from retain.sales.models import PromotionEvent


class Club(models.Model):
    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="clubs", verbose_name=_("dealer"))
    name = models.CharField(_("name"), max_length=100)
    vehicle_model = models.CharField(_("vehicle model"), max_length=60, blank=True)
    description = models.TextField(_("description"), blank=True, validators=bounds.text())
    created_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("owners' club")
        verbose_name_plural = _("owners' clubs")
        ordering = ["dealer_id", "name"]
        constraints = [models.UniqueConstraint(fields=["dealer", "name"], name="loyalty_club_name_per_dealer")]

    def __str__(self):
        return self.name


class ClubMembership(models.Model):
    club = models.ForeignKey(Club, models.CASCADE, related_name="memberships", verbose_name=_("club"))
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="club_memberships", verbose_name=_("member"))
    joined_on = models.DateField(_("joined on"), validators=bounds.dates())
    left_on = models.DateField(_("left on"), null=True, blank=True, validators=bounds.dates())

    class Meta:
        verbose_name = _("club membership")
        verbose_name_plural = _("club memberships")
        constraints = [
            models.UniqueConstraint(fields=["club", "customer"], condition=Q(left_on__isnull=True),
                                    name="loyalty_one_open_membership"),
            models.CheckConstraint(condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                                   name="loyalty_membership_leaves_after_joining"),
        ]


class ClubEvent(models.Model):
    club = models.ForeignKey(Club, models.CASCADE, related_name="events", verbose_name=_("club"))
    event = models.OneToOneField(PromotionEvent, models.CASCADE, related_name="club_link", verbose_name=_("event"))

    class Meta:
        verbose_name = _("club event")
        verbose_name_plural = _("club events")
