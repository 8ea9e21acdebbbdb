"""Referrals (issue 11, item 5): a member's referral code, and the link from a referred customer
(and the sales prospect they became) to the member who brought them. ``Customer.referred_by`` is
the customer record's own link (set through ``customers.services.credit_referral``); a
``Referral`` adds the prospect and the day, which the influence-centre ranking reads. Points for a
referral are the earning job's (a transfer with source ``referral:<prospect id>``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from retain import bounds
from retain.customers.models import Customer
from retain.org.models import Dealer, Staff
from retain.sales.models import Prospect

#: Digits and capitals without the look-alikes 0/O, 1/I/L (and U): read aloud or typed from a card
#: without doubt. 30 symbols, 8 of them: 30**8 ~ 6.6e11 codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # 30 symbols
CODE_LENGTH = 8


class ReferralCode(models.Model):
    customer = models.OneToOneField(Customer, models.CASCADE, related_name="referral_code", verbose_name=_("member"))
    code = models.CharField(_("referral code"), max_length=CODE_LENGTH, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("referral code")
        verbose_name_plural = _("referral codes")

    def __str__(self):
        return self.code


class Referral(models.Model):
    """A referred customer: who brought them, the prospect they became (if any), when."""

    customer = models.OneToOneField(Customer, models.CASCADE, related_name="referral", verbose_name=_("referred customer"))
    referrer = models.ForeignKey(Customer, models.PROTECT, related_name="referrals_made", verbose_name=_("referrer"))
    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="+", verbose_name=_("dealer"))
    prospect = models.ForeignKey(Prospect, models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("prospect"))
    referred_on = models.DateField(_("referred on"), validators=bounds.dates())
    recorded_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["dealer", "referred_on"], name="loyalty_referral_dealer_day"),
                   models.Index(fields=["referrer", "referred_on"], name="loyalty_referral_referrer_day")]
        constraints = [models.CheckConstraint(condition=~models.Q(customer=models.F("referrer")),
                                              name="loyalty_referral_not_self")]
