"""Sales records follow their customer (registered with ``customers.moves`` in ``SalesConfig``).

Called by ``customers.services.merge_customers`` and ``reassign_portfolio`` inside their
transaction; the counts returned go into that service's audit row.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ACTIVE_STATUSES, Contact, Invitation, Prospect, ShowroomVisit


@transaction.atomic
def merge_records(*, actor, survivor, duplicate) -> dict[str, int]:
    """The duplicate's prospects (with their grade history), contacts, register lines and event
    invitations become the survivor's. A customer has one open prospect at a time, so two open
    ones refuse the merge; an event both were invited to keeps the survivor's invitation
    (completed with the duplicate's attendance and follow-up) and leaves the other on the
    merged-away record."""
    prospects = Prospect.objects.filter(customer=duplicate)
    if (prospects.filter(status__in=ACTIVE_STATUSES).exists()
            and Prospect.objects.filter(customer=survivor, status__in=ACTIVE_STATUSES).exists()):
        raise ValidationError({"duplicate": _("Both records have an open prospect. Close one of them (order, "
                                              "delivery or defeat) before merging.")})
    both = Invitation.objects.filter(customer=survivor).values("event_id")
    for theirs in Invitation.objects.select_for_update().filter(customer=duplicate, event_id__in=both):
        ours = Invitation.objects.select_for_update().get(customer=survivor, event_id=theirs.event_id)
        ours.attended_on = ours.attended_on or theirs.attended_on
        if not ours.followed_up_on and theirs.followed_up_on:
            ours.followed_up_on, ours.follow_up_result = theirs.followed_up_on, theirs.follow_up_result
        ours.save(update_fields=["attended_on", "followed_up_on", "follow_up_result"])
    return {
        "prospects": prospects.update(customer=survivor),
        "sales_contacts": Contact.objects.filter(customer=duplicate).update(customer=survivor),
        "showroom_visits": ShowroomVisit.objects.filter(customer=duplicate).update(customer=survivor),
        "invitations": Invitation.objects.filter(customer=duplicate).exclude(event_id__in=both)
        .update(customer=survivor),
    }


@transaction.atomic
def reassign_prospects(*, actor, from_owner_id: int, plan: dict[int, list[int]]) -> dict[str, int]:
    """The departing owner's open prospects on the reassigned customers go to each customer's new
    owner, so they appear on that consultant's today list with their follow-up dates."""
    moved = 0
    for owner_id, customer_ids in plan.items():
        moved += (Prospect.objects.filter(owner_id=from_owner_id, customer_id__in=customer_ids,
                                          status__in=ACTIVE_STATUSES)
                  .update(owner_id=owner_id, updated_at=timezone.now()))
    return {"prospects": moved}
