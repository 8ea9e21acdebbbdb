"""The ledger's entries: one immutable transfer of a positive whole number of points from a debit
account to a credit account (both legs of the double entry in one row, as payment ledgers such as
TigerBeetle keep them). A correction is a new transfer (``reverses``), never an edit: UPDATE and
DELETE are refused by the database (triggers, ``append_only``) and by the ORM here.

A pending earn is settled (activated or voided) and a reservation settled (posted or voided) by
exactly one later transfer: ``settles`` is unique where set, so a second settlement fails in the database
whoever attempts it. ``source`` names the record a transfer came from (``txn:812``,
``lot:77``...) and is unique per kind, so earning from a record, or expiring a lot, happens once."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from retain import bounds
from retain.org.models import Staff

from .account import Account
from .programme import MAX_POINTS, Programme


class TransferKind(models.TextChoices):
    EARN = "earn", _("Earned")
    ACTIVATE = "activate", _("Became spendable")
    VOID_EARN = "void_earn", _("Pending points voided")
    REDEEM = "redeem", _("Redeemed")
    RESERVE = "reserve", _("Reserved")
    POST_RESERVATION = "post_reservation", _("Reservation redeemed")
    VOID_RESERVATION = "void_reservation", _("Reservation released")
    ADJUST = "adjust", _("Adjusted")
    GOODWILL = "goodwill", _("Goodwill")
    EXPIRE = "expire", _("Expired")
    TRANSFER = "transfer", _("Transferred")
    PARTNER = "partner", _("Partner")
    REVERSE = "reverse", _("Reversed")


class Origin(models.TextChoices):
    API = "api", _("API")
    PAGE = "page", _("Page")
    JOB = "job", _("Scheduled job")
    SYSTEM = "system", _("System")


class AppendOnlyQuerySet(models.QuerySet):
    """Entries are never changed or removed in place: a correction is a new entry."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are append-only: post a correcting entry instead")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are append-only: post a correcting entry instead")

    _raw_delete = delete


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only: post a correcting entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are append-only: post a correcting entry instead")


class Transfer(AppendOnly):
    # Indexes are chosen for a ledger of millions of rows written in bulk (bench/loyalty_ledger.py):
    # each costs every insert, so a foreign key gets none of its own where a composite one below
    # serves its lookups, and the once-only links are indexed only where set.
    # The programme is its accounts' (``verify`` checks it): no foreign-key check of its own, which
    # on PostgreSQL would lock the programme's row once per transfer of a bulk earning.
    programme = models.ForeignKey(Programme, models.PROTECT, related_name="+", verbose_name=_("programme"),
                                  db_index=False, db_constraint=False)
    kind = models.CharField(_("kind"), max_length=20, choices=TransferKind.choices)
    debit = models.ForeignKey(Account, models.PROTECT, related_name="debits", verbose_name=_("from"), db_index=False)
    credit = models.ForeignKey(Account, models.PROTECT, related_name="credits", verbose_name=_("to"), db_index=False)
    amount = models.BigIntegerField(_("points"), validators=bounds.count(1, MAX_POINTS))
    memo = models.TextField(_("memo"), blank=True, validators=bounds.text())
    actor = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by"),
                              db_index=False)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default=Origin.SYSTEM)
    created_at = models.DateTimeField(_("at"))
    #: A pending earn: the local day its points may become spendable.
    available_on = models.DateField(_("spendable from"), null=True, blank=True, validators=bounds.dates())
    #: A reservation made without a voucher: when it times out (the programme's ``reservation_hours``
    #: after it was made, fixed then). A voucher's reservation has none: it follows its voucher.
    held_until = models.DateTimeField(_("held until"), null=True, blank=True)
    reverses = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="reversals",
                                 verbose_name=_("reverses"), db_index=False)
    settles = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="settlements",
                                verbose_name=_("settles"), db_index=False)
    source = models.CharField(_("source"), max_length=100, blank=True, default="")
    #: What an earn was earned for under the programme's rules (a purchase kind or an event kind):
    #: what the rules' caps per day and year count. Empty for other transfers.
    trigger = models.CharField(_("earned for"), max_length=30, blank=True, default="")

    class Meta:
        verbose_name = _("points transfer")
        verbose_name_plural = _("points transfers")
        indexes = [
            # an account's entries, newest first, by a backward scan: ascending, each new entry
            # goes to the end of its account's run (descending put it at the front, splitting
            # pages there: a tenth slower for a bulk run's 1.5 million)
            models.Index(fields=["debit", "id"], name="loyalty_transfer_debit_asc"),
            models.Index(fields=["credit", "id"], name="loyalty_transfer_credit_asc"),
            models.Index(fields=["available_on"], condition=Q(available_on__isnull=False), name="loyalty_transfer_due"),
            models.Index(fields=["programme", "held_until"], condition=Q(held_until__isnull=False),
                         name="loyalty_transfer_hold_due"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="loyalty_transfer_amount_positive"),
            models.CheckConstraint(condition=~Q(debit=models.F("credit")), name="loyalty_transfer_two_accounts"),
            models.UniqueConstraint(fields=["kind", "source"], condition=~Q(source=""),
                                    name="loyalty_transfer_once_per_source"),
            # a transfer is reversed once, and a pending earn or a reservation settled once
            models.UniqueConstraint(fields=["reverses"], condition=Q(reverses__isnull=False),
                                    name="loyalty_transfer_reversed_once"),
            models.UniqueConstraint(fields=["settles"], condition=Q(settles__isnull=False),
                                    name="loyalty_transfer_settled_once"),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount} {self.debit_id}->{self.credit_id}"
