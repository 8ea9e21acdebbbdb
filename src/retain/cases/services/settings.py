"""A dealer's case settings: the first-contact hours, the days to resolve by severity, and the
root causes Probe picks from (one a line; an empty list means the defaults)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from retain.bounds import check_fields
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action, dealer_in_scope

from ..models import CaseSettings
from ..models.case import settings_for

NUMBERS = ("first_contact_hours", "minor_days", "major_days", "critical_days", "escalate_gm_hours", "item_threshold",
           "recurrence_days", "compensation_approval_cents", "lost_p_alive_percent", "lost_no_visit_months")
FIELDS = (*NUMBERS, "detractor_cases", "root_causes")
#: The most root causes a dealer lists, and the longest one (a case stores the one picked).
MAX_CAUSES, MAX_CAUSE_LENGTH = 50, 100


@transaction.atomic
def set_settings(*, actor, dealer_id, **changes) -> CaseSettings:
    """Change a dealer's case deadlines and root causes (those given; the rest stay)."""
    dealer_id = dealer_in_scope(actor, Action.SET_CASE_RULES, dealer_id)
    errors = {name: _("This field cannot be set here.") for name in sorted(set(changes) - set(FIELDS))}
    for name in NUMBERS:
        value = changes.get(name)
        if name in changes and (not isinstance(value, int) or isinstance(value, bool)):
            errors[name] = _("Enter a whole number.")
    if "detractor_cases" in changes and not isinstance(changes["detractor_cases"], bool):
        errors["detractor_cases"] = _("Say whether detractors' answers open cases.")
    causes = changes.get("root_causes")
    if "root_causes" in changes:
        if not isinstance(causes, str):
            errors["root_causes"] = _("Write one root cause a line.")
        else:
            lines = [line.strip() for line in causes.splitlines() if line.strip()]
            if len(lines) > MAX_CAUSES or any(len(line) > MAX_CAUSE_LENGTH for line in lines):
                errors["root_causes"] = _("List at most %(n)d root causes of at most %(length)d characters each.") % {
                    "n": MAX_CAUSES, "length": MAX_CAUSE_LENGTH}
            changes["root_causes"] = "\n".join(lines)
    check_fields(CaseSettings, errors, **{k: v for k, v in changes.items() if k in FIELDS and k not in errors})
    if errors:
        raise ValidationError(errors)
    settings = settings_for(dealer_id)
    before = {name: getattr(settings, name) for name in FIELDS}
    for name, value in changes.items():
        setattr(settings, name, value)
    after = {name: getattr(settings, name) for name in FIELDS}
    if after != before:
        settings.save()
        audit.record(actor=actor, action=AuditCode.CASE_SETTINGS_SET, object_type="dealer", object_id=dealer_id,
                     dealer_id=dealer_id, before=before, after=after)
    return settings
