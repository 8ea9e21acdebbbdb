"""Earning lots: the points that became spendable together, with the day they expire. A member's
spendable balance is the sum of their lots' remaining points; spending takes from the lot that
expires first (FIFO), so points already spent never expire. ``remaining`` is the one mutable
column (with an account's balance); every change to it is a ``LotUse`` row of the transfer that
made it, so ``remaining = amount - sum(uses)`` can be checked."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .account import Account
from .transfer import AppendOnly, Transfer


class Lot(models.Model):
    # A lot's account is the account its transfer credited (``verify`` checks both): the transfer's
    # own foreign keys hold the references, and the database refuses deleting either row, so the
    # lot needs no foreign-key check of its own (each would cost a lookup per lot of a bulk earning).
    account = models.ForeignKey(Account, models.PROTECT, related_name="lots", verbose_name=_("account"),
                                db_index=False, db_constraint=False)  # the FIFO index below starts with it
    transfer = models.ForeignKey(Transfer, models.PROTECT, related_name="lots", verbose_name=_("made by"),
                                 db_index=False, db_constraint=False)  # looked up with its account
    amount = models.BigIntegerField(_("points"))
    remaining = models.BigIntegerField(_("points left"))
    earned_on = models.DateField(_("earned on"))
    expires_on = models.DateField(_("expires after"))

    class Meta:
        verbose_name = _("points lot")
        verbose_name_plural = _("points lots")
        # One index besides the key: a lot is found through its account (first to expire first).
        # The daily expiry reads all lots once (a scan), which costs less than an index every
        # earning would pay for.
        indexes = [models.Index(fields=["account", "expires_on", "id"], name="loyalty_lot_fifo")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0) & Q(remaining__gte=0) & Q(remaining__lte=models.F("amount")),
                                   name="loyalty_lot_remaining_in_range"),
        ]


class LotUse(AppendOnly):
    """Points a transfer took out of a lot (its debit side)."""

    lot = models.ForeignKey(Lot, models.PROTECT, related_name="uses", verbose_name=_("lot"))
    transfer = models.ForeignKey(Transfer, models.PROTECT, related_name="lot_uses", verbose_name=_("transfer"))
    amount = models.BigIntegerField(_("points"))

    class Meta:
        verbose_name = _("use of a points lot")
        verbose_name_plural = _("uses of points lots")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="loyalty_lot_use_positive")]
