"""The door to import batches: a batch belongs to its dealer and to whoever ran it, so the
policy's scopes apply to it as to a customer (``run_by`` in place of the owner).

``actor=None`` is the command line (``retain import``), run by the machine's operator, who holds
the database anyway: it sees every batch."""

from django.http import Http404
from django.utils.translation import gettext as _

from retain.org.policy import Action, require, scope_filter

from ..models import ImportBatch


class BatchNotFound(Http404):
    pass


def visible_batches(actor, action: str = Action.IMPORT):
    if actor is None:
        return ImportBatch.objects.all()
    condition = scope_filter(actor, action, owner="run_by")
    return ImportBatch.objects.filter(condition) if condition is not None else ImportBatch.objects.none()


def access_batch(actor, batch_id, action: str = Action.IMPORT, *, for_update: bool = False) -> ImportBatch:
    """One batch for ``action``: 403 for a role that may not do it at all, 404 outside its scope."""
    if actor is not None:
        require(actor, action)
    try:
        batch_id = int(batch_id)
    except (TypeError, ValueError):
        raise BatchNotFound(_("No such import."))
    batches = visible_batches(actor, action).filter(pk=batch_id)
    if for_update:
        batches = batches.select_for_update(of=("self",))
    batch = batches.select_related("dealer", "run_by", "owner", "undone_by").first()
    if batch is None:
        raise BatchNotFound(_("No such import."))
    return batch
