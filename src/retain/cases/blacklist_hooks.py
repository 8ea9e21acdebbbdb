"""What the blacklist adds to other apps through their hooks (registered in ``CasesConfig.ready``):
the channels' suppression check and the customer card's blacklist line. A customer with an entry in force is sent no survey and no
marketing; service messages about their own car still go. Survey invitations ask the same check
(``surveys.services.invitations``), so a blacklisted customer is not invited either."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from retain.channels import suppression
from retain.customers.access import permitted
from retain.customers.cards import CardSection
from retain.customers.models import Status
from retain.org.policy import Action, allowed

from .access import visible_blacklist
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


def card_section(actor, customer) -> CardSection | None:
    """The customer card's blacklist line: whether the customer is on the blacklist (anyone who
    sees the customer sees that and until when, as the outbox shows the suppression; the entry's
    reason and evidence only through ``view_blacklist``), a proposal awaiting a decision the actor
    may see, and the link to propose for those who may."""
    today = timezone.localdate()
    in_force = entry_in_force(customer, today)
    visible = visible_blacklist(actor).filter(customer=customer)
    shown = visible.filter(pk=in_force.pk).exists() if in_force else False
    proposed = visible.filter(status=EntryStatus.PROPOSED).first()
    open_entry = in_force or BlacklistEntry.objects.filter(customer=customer, status__in=OPEN_STATUSES).exists()
    may_propose = (not open_entry and customer.status == Status.ACTIVE and allowed(actor, Action.PROPOSE_BLACKLIST)
                   and permitted(actor, customer, Action.PROPOSE_BLACKLIST)[Action.PROPOSE_BLACKLIST])
    if not (in_force or proposed or may_propose):
        return None
    return CardSection("cases/blacklist/_card.html", {"customer": customer, "in_force": in_force, "shown": shown,
                                                      "proposed": proposed, "may_propose": may_propose})
