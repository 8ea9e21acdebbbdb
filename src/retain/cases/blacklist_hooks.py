"""What the blacklist adds to other apps through their hooks (registered in ``CasesConfig.ready``):
the channels' suppression check and the customer card's blacklist line. A customer with an entry in force is sent no survey and no
marketing; service messages about their own car still go. Survey invitations ask the same check
(``surveys.services.invitations``), so a blacklisted customer is not invited either."""

import datetime as dt

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.channels import suppression
from retain.customers.access import permitted
from retain.customers.cards import CardSection, holds
from retain.customers.models import Status
from retain.org.policy import Action, Scope, scope_filter, scope_of

from .models.blacklist import OPEN_STATUSES, SUPPRESSED_PURPOSES, BlacklistEntry, EntryStatus

#: The suppression code stored on a message the blacklist stopped.
CODE = "blacklist"


def entry_in_force(customer, day: dt.date) -> BlacklistEntry | None:
    """The customer's entry in force on ``day`` (approved, ``starts_on <= day < expires_on``), or None."""
    return (BlacklistEntry.objects.filter(customer_id=getattr(customer, "pk", customer), status=EntryStatus.ACTIVE,
                                          starts_on__lte=day, expires_on__gt=day).first())


def blacklisted(customer, purpose: str, day: dt.date) -> suppression.Reason | None:
    """The channels' hook: the blacklist's reason to stop a survey or marketing message, or None."""
    if purpose not in SUPPRESSED_PURPOSES:
        return None
    entry = entry_in_force(customer, day)
    if entry is None:
        return None
    return suppression.Reason(CODE, _("On the blacklist until %(day)s") % {"day": entry.expires_on.isoformat()})


def _may_propose(actor, customer) -> bool:
    """Whether the actor may propose this customer, whom they have already opened through the
    customers' door. Without a query for a dealer or own scope (the customer is at the actor's
    dealer, or owned by them), through ``permitted`` for a wider one."""
    if customer.status != Status.ACTIVE:
        return False
    scope = scope_of(actor, Action.PROPOSE_BLACKLIST)
    if scope is Scope.OWN:
        return customer.owner_id == actor.pk
    if scope is Scope.DEALER:
        return customer.dealer_id == actor.dealer_id
    if scope is Scope.NONE:
        return False
    return permitted(actor, customer, Action.PROPOSE_BLACKLIST)[Action.PROPOSE_BLACKLIST]


def card_section(actor, customer) -> CardSection | None:
    """The customer card's blacklist line, in one query: whether the customer is on the blacklist
    (anyone who sees the customer sees that and until when, as the outbox shows the suppression;
    the entry's reason and evidence only through ``view_blacklist``), a proposal awaiting a
    decision the actor may see, and the link to propose for those who may."""
    entry = None
    if holds(customer, BlacklistEntry):
        seen = scope_filter(actor, Action.VIEW_BLACKLIST, owner="proposed_by") or Q(pk__in=[])
        entry = (BlacklistEntry.objects.filter(customer=customer, status__in=OPEN_STATUSES)  # one at most
                 .annotate(seen=ExpressionWrapper(seen, output_field=BooleanField())).first())
    in_force = entry if entry is not None and entry.in_force(timezone.localdate()) else None
    proposed = entry if entry is not None and entry.status == EntryStatus.PROPOSED and entry.seen else None
    may_propose = entry is None and _may_propose(actor, customer)
    if not (in_force or proposed or may_propose):
        return None
    return CardSection("cases/blacklist/_card.html", {"customer": customer, "in_force": in_force,
                                                      "shown": bool(in_force and entry.seen), "proposed": proposed,
                                                      "may_propose": may_propose})
