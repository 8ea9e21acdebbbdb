"""Cases, blacklist entries and lost-owner records follow their customer (``customers.moves``):
a merged duplicate's records move to the survivor, and a departing owner's open cases go to the
customers' new owners.

One customer has at most one open blacklist entry and one open lost-owner record (partial unique
indexes). When both customers of a merge have one, the merge is refused until a manager decides
one of them: picking which of two proposals stands is a decision, not bookkeeping.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import BlacklistEntry, Case, CaseStatus, LostOwner
from ..models.blacklist import OPEN_STATUSES as OPEN_ENTRY
from ..models.lost import OPEN_STATUSES as OPEN_LOST


def merge(*, actor, survivor, duplicate) -> dict[str, int]:
    both = (survivor.pk, duplicate.pk)
    if BlacklistEntry.objects.filter(customer_id__in=both, status__in=OPEN_ENTRY).count() > 1:
        raise ValidationError({"duplicate": _("Both customers have an open blacklist entry: decide one of them first.")})
    if LostOwner.objects.filter(customer_id__in=both, status__in=OPEN_LOST).count() > 1:
        raise ValidationError({"duplicate": _("Both customers have an open lost-owner record: decide one of them first.")})
    return {
        "cases": Case.objects.filter(customer=duplicate).update(customer=survivor),
        "blacklist_entries": BlacklistEntry.objects.filter(customer=duplicate).update(customer=survivor),
        "lost_owners": LostOwner.objects.filter(customer=duplicate).update(customer=survivor),
    }


def reassign(*, actor, from_owner_id: int, plan: dict[int, list[int]]) -> dict[str, int]:
    """The departing owner's open cases about the customers handed on go to each one's new owner."""
    moved = 0
    for new_owner_id, customer_ids in plan.items():
        moved += Case.objects.filter(owner_id=from_owner_id, status=CaseStatus.OPEN,
                                     customer_id__in=customer_ids).update(owner_id=new_owner_id)
    return {"cases": moved}
