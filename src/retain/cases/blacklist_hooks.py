"""What the blacklist adds to other apps through their hooks (registered in ``CasesConfig.ready``):
the channels' suppression check. A customer with an entry in force is sent no survey and no
marketing; service messages about their own car still go. Survey invitations ask the same check
(``surveys.services.invitations``), so a blacklisted customer is not invited either."""

import datetime as dt

from django.utils.translation import gettext as _

from retain.channels import suppression

from .models.blacklist import SUPPRESSED_PURPOSES, BlacklistEntry, EntryStatus

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
