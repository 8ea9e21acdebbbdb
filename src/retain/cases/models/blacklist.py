"""The blacklist (DOMAIN.md section 6; issue 10): customers the dealer stops contacting for
surveys and marketing, for a stated reason, with evidence, for a bounded time.

The written principles (docs/cases.md, "Blacklist"):

- **Who goes on it, and why**: a customer for one of the ``Reason`` categories, never for a
  complaint as such (a complaint is a case, not a reason to stop asking). Evidence is required.
- **Who decides**: anyone who serves the customer proposes; an entry is not in force until a
  manager of the customer's dealer (or the region or group above it) approves it, and the
  proposer never approves their own proposal.
- **For how long**: until ``expires_on``, at most ``MAX_TERM_MONTHS`` months after the day it
  starts; it lapses by itself (the job ``cases.blacklist_expire``). Putting someone back on
  the list is a new proposal with fresh evidence.
- **Who lifts it**: the managers who may approve, with a reason; lifting is audited.
- **What it does**: while in force it suppresses surveys and marketing, never a service message
  about the customer's own car (``SUPPRESSED_PURPOSES``).

An entry is **in force on a day** when its status is ``active`` and ``starts_on <= day <
expires_on``: the expiry day is the first day the customer is contacted again. The dates decide,
not the job: an entry is no longer in force on its expiry day even before the job marks it
expired. Entries are read through ``cases.access`` and written only by
``cases.services.blacklist``.
"""

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from retain import bounds
from retain.customers.models import Customer
from retain.org.models import Dealer, Staff

#: The longest term of one entry, in months from the day it starts.
MAX_TERM_MONTHS = 24
#: The longest evidence and reasons (a few paragraphs: what happened, when, who saw it, where the
#: recording or the letter is).
MAX_EVIDENCE = 2000
MAX_NOTE = 500
#: Message purposes (``channels.models.Purpose``) an entry in force stops: surveys and marketing.
#: Service messages about the customer's own car always go.
SUPPRESSED_PURPOSES = frozenset({"survey", "marketing"})


class Reason(models.TextChoices):
    """Why a customer goes on the list: a short closed set, so the list can be read and counted."""

    ABUSE = "abuse", _("Abuse or threats towards staff")
    FRAUD = "fraud", _("Fraud or false claims")
    UNREASONABLE = "unreasonable", _("Repeated unreasonable demands")
    LEGAL = "legal", _("Legal dispute in progress")
    NO_CONTACT = "no_contact", _("Customer asked not to be contacted")


class EntryStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed, awaiting a manager's decision")
    ACTIVE = "active", _("Approved")
    REJECTED = "rejected", _("Rejected")
    LIFTED = "lifted", _("Lifted")
    EXPIRED = "expired", _("Expired")


#: Statuses of an entry still open (one per customer at a time).
OPEN_STATUSES = (EntryStatus.PROPOSED, EntryStatus.ACTIVE)
#: Statuses of an entry that has ended (never in force again).
ENDED_STATUSES = (EntryStatus.REJECTED, EntryStatus.LIFTED, EntryStatus.EXPIRED)


class BlacklistEntry(models.Model):
    """One customer on (or proposed for) the blacklist, with every step's who and when."""

    customer = models.ForeignKey(Customer, models.CASCADE, related_name="blacklist_entries",
                                 verbose_name=_("customer"))
    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="blacklist_entries", verbose_name=_("dealer"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    evidence = models.TextField(_("evidence"), validators=[MaxLengthValidator(MAX_EVIDENCE)],
                                help_text=_("What happened, when, who saw it, and where the record is kept."))
    starts_on = models.DateField(_("starts on"), validators=bounds.dates())
    expires_on = models.DateField(_("expires on"), validators=bounds.dates(),
                                  help_text=_("The first day the customer is contacted again."))
    status = models.CharField(_("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.PROPOSED)
    proposed_by = models.ForeignKey(Staff, models.PROTECT, related_name="blacklist_proposals",
                                    verbose_name=_("proposed by"))
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=MAX_NOTE, blank=True)
    lifted_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("lifted by"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lift_reason = models.CharField(_("reason for lifting"), max_length=MAX_NOTE, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("blacklist entry")
        verbose_name_plural = _("blacklist entries")
        ordering = ["-proposed_at", "-id"]
        indexes = [
            # The suppression hook: is this customer's entry in force today?
            models.Index(fields=["customer", "status"], name="blacklist_customer_status"),
            # A dealer's list by state, newest first (the list page's keyset).
            models.Index(fields=["dealer", "status", "-proposed_at", "-id"], name="blacklist_dealer_list"),
            # The expiry job: open entries by expiry day.
            models.Index(fields=["expires_on"], condition=models.Q(status__in=["proposed", "active"]),
                         name="blacklist_open_expiry"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=models.Q(status__in=["proposed", "active"]),
                                    name="one_open_blacklist_entry_per_customer"),
            models.CheckConstraint(condition=models.Q(expires_on__gt=models.F("starts_on")),
                                   name="blacklist_expires_after_start"),
        ]

    def __str__(self):
        return f"{self.customer} · {self.get_reason_display()}"

    def in_force(self, day) -> bool:
        return self.status == EntryStatus.ACTIVE and self.starts_on <= day < self.expires_on
