"""Accounts of the double-entry ledger. A member holds three per programme (spendable, pending,
reserved); the programme holds one of each system kind, the other side of every movement into or
out of members' hands, so that the balances of all accounts add up to zero.

``balance`` is a cache of the account's entries (credits minus debits), written in the same
transaction as they are; ``retain loyalty verify`` recomputes it. It is the ledger's one mutable
column besides a lot's remaining points."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from retain.customers.models import Customer

from .programme import Programme


class AccountKind(models.TextChoices):
    # a member's
    MEMBER = "member", _("Points balance")
    PENDING = "pending", _("Pending points")
    HOLD = "hold", _("Reserved points")
    # the programme's
    ISSUANCE = "issuance", _("Points issued")
    REDEMPTION = "redemption", _("Points redeemed")
    EXPIRY = "expiry", _("Points expired")
    PARTNER = "partner", _("Partner settlement")
    GOODWILL = "goodwill", _("Goodwill")
    ADJUSTMENT = "adjustment", _("Adjustments")


MEMBER_KINDS = (AccountKind.MEMBER, AccountKind.PENDING, AccountKind.HOLD)
SYSTEM_KINDS = tuple(kind for kind in AccountKind if kind not in MEMBER_KINDS)


class Account(models.Model):
    programme = models.ForeignKey(Programme, models.PROTECT, related_name="accounts", verbose_name=_("programme"))
    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    customer = models.ForeignKey(Customer, models.PROTECT, null=True, blank=True, related_name="points_accounts",
                                 verbose_name=_("member"))
    #: A system account's sub-key (a partner's code); empty for the programme's own and for members.
    key = models.CharField(_("key"), max_length=40, blank=True, default="")
    balance = models.BigIntegerField(_("balance"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.UniqueConstraint(fields=["programme", "kind", "customer"], condition=Q(customer__isnull=False),
                                    name="loyalty_one_member_account_per_kind"),
            models.UniqueConstraint(fields=["programme", "kind", "key"], condition=Q(customer__isnull=True),
                                    name="loyalty_one_system_account_per_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in MEMBER_KINDS], customer__isnull=False)
                | Q(kind__in=[k.value for k in SYSTEM_KINDS], customer__isnull=True),
                name="loyalty_member_accounts_have_a_member"),
            # belt and braces: the services never let a member's balance go below zero
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in SYSTEM_KINDS]) | Q(balance__gte=0),
                                   name="loyalty_member_balance_not_negative"),
        ]

    def __str__(self):
        return f"{self.kind}:{self.customer_id or self.key}"
