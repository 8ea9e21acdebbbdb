"""A manager's review of a flagged response: keep it (it is counted from now on) or exclude it
(it stays stored, never counted), with a note; one audit row per review.

Only flagged, submitted responses are reviewed; a response reviewed before may be reviewed
again (a second look changes the decision, and the audit log keeps both).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.bounds import check_fields
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action

from .. import hooks
from ..access import access_response
from ..models import Response, Review


@transaction.atomic
def review(*, actor, response_id, keep: bool, note: str = "") -> Response:
    """Keep (count) or exclude a flagged response, with a note."""
    response = access_response(actor, response_id, Action.REVIEW_RESPONSES, for_update=True)
    errors = {}
    note = (note or "").strip() if isinstance(note, str) else note
    if not isinstance(keep, bool):
        errors["keep"] = _("Say whether the answers are kept or excluded.")
    if not isinstance(note, str):
        errors["note"] = _("Write the note as text.")
    else:
        field_errors = {}
        check_fields(Response, field_errors, review_note=note)
        if field_errors:
            errors["note"] = field_errors["review_note"]
    if response.submitted_at is None or not response.flags:
        errors["response"] = _("Only submitted answers that were flagged are reviewed.")
    if errors:
        raise ValidationError(errors)
    before = {"review": response.review, "counted": response.counted}
    response.review = Review.KEPT if keep else Review.EXCLUDED
    response.counted = keep
    response.reviewed_by, response.reviewed_at, response.review_note = actor, timezone.now(), note
    response.save(update_fields=["review", "counted", "reviewed_by", "reviewed_at", "review_note"])
    audit.record(actor=actor, action=AuditCode.RESPONSE_REVIEW, obj=response, before=before,
                 after={"review": response.review, "counted": response.counted, "flags": response.flags,
                        "note": note})
    if keep and not before["counted"]:
        hooks.counted(response)
    return response
