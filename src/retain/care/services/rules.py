"""A dealer's care rules and intervals: written as defaults the first time the calendar runs for
the dealer, changed by its managers (the policy's ``set_care_rules``)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from retain.bounds import check_fields
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action, dealer_in_scope

from ..models import RULE_KINDS, VIP_KINDS, Assignee, CareRule, CareSettings, Channel
from ..rules import DEFAULTS, default_rule, settings_for

RULE_FIELDS = ("enabled", "lead_days", "channel", "template_code", "assignee")
SETTINGS_FIELDS = ("first_service_months", "first_service_km", "service_months", "service_km", "replacement_years",
                   "replacement_km", "manager_contact_months")


@transaction.atomic
def ensure_rules(*, actor, dealer_ids) -> int:
    """Write the default rule of every kind a dealer has not set (the job calls this before it
    runs, so each task names a saved rule). Answers how many rules were written."""
    have = set(CareRule.objects.filter(dealer_id__in=dealer_ids).values_list("dealer_id", "kind"))
    missing = [default_rule(dealer, kind) for dealer in dealer_ids for kind in DEFAULTS if (dealer, kind) not in have]
    if not missing:
        return 0
    CareRule.objects.bulk_create(missing, ignore_conflicts=True)
    written: dict[int, list[str]] = {}
    for rule in missing:
        written.setdefault(rule.dealer_id, []).append(rule.kind)
    audit.record_many(actor=actor, action=AuditCode.CARE_RULE_DEFAULTS, object_type="dealer",
                      rows=[(dealer, dealer, None, {"kinds": kinds}) for dealer, kinds in written.items()])
    return len(missing)


def _dealer(actor, dealer_id):
    """A dealer at which the actor sets care rules (403 nowhere, 404 out of scope)."""
    return dealer_in_scope(actor, Action.SET_CARE_RULES, dealer_id)


def _values(instance, names) -> dict:
    return {name: getattr(instance, name) for name in names}


@transaction.atomic
def set_rule(*, actor, dealer_id, kind: str, **changes) -> CareRule:
    """Change one kind of touch at a dealer: enabled, lead days (0 to 90), channel, the message
    template (a message rule names one), who owns its tasks."""
    dealer_id = _dealer(actor, dealer_id)
    if kind not in RULE_KINDS:
        raise ValidationError({"kind": _("Unknown kind of care task “%(kind)s”.") % {"kind": kind}})
    errors = {}
    unknown = set(changes) - set(RULE_FIELDS)
    for name in sorted(unknown):
        errors[name] = _("This field cannot be set here.")
    lead = changes.get("lead_days")
    if "lead_days" in changes and (not isinstance(lead, int) or isinstance(lead, bool) or lead < 0):
        errors["lead_days"] = _("Enter a whole number of days, 0 or more.")
    if "channel" in changes and changes["channel"] not in Channel.values:
        errors["channel"] = _("Choose a channel.")
    if "assignee" in changes and changes["assignee"] not in Assignee.values:
        errors["assignee"] = _("Choose who owns the tasks.")
    if "enabled" in changes and not isinstance(changes["enabled"], bool):
        errors["enabled"] = _("Say whether the rule is on.")
    if isinstance(changes.get("template_code"), str):
        changes["template_code"] = changes["template_code"].strip()
    check_fields(CareRule, errors, **{k: v for k, v in changes.items() if k in RULE_FIELDS and k not in errors})
    if errors:
        raise ValidationError(errors)
    ensure_rules(actor=actor, dealer_ids=[dealer_id])
    rule = CareRule.objects.select_for_update().get(dealer_id=dealer_id, kind=kind)
    before = _values(rule, RULE_FIELDS)
    for name, value in changes.items():
        setattr(rule, name, value)
    if rule.kind in VIP_KINDS:  # the VIP file names who owns these
        rule.assignee = Assignee.CONSULTANT
    if rule.channel == Channel.MESSAGE and not rule.template_code:
        raise ValidationError({"template_code": _("A message rule needs the code of the template it sends.")})
    after = _values(rule, RULE_FIELDS)
    if after != before:
        rule.save()
        changed = [name for name in RULE_FIELDS if before[name] != after[name]]
        audit.record(actor=actor, action=AuditCode.CARE_RULE_SET, obj=rule,
                     before={"kind": kind, **{n: before[n] for n in changed}},
                     after={"kind": kind, **{n: after[n] for n in changed}})
    return rule


@transaction.atomic
def set_settings(*, actor, dealer_id, **changes) -> CareSettings:
    """Change a dealer's service intervals, replacement thresholds and VIP contact interval."""
    dealer_id = _dealer(actor, dealer_id)
    errors = {}
    for name in sorted(set(changes) - set(SETTINGS_FIELDS)):
        errors[name] = _("This field cannot be set here.")
    for name, value in changes.items():
        if name in SETTINGS_FIELDS and (not isinstance(value, int) or isinstance(value, bool)):
            errors[name] = _("Enter a whole number.")
    check_fields(CareSettings, errors, **{k: v for k, v in changes.items() if k in SETTINGS_FIELDS and k not in errors})
    if errors:
        raise ValidationError(errors)
    settings = settings_for(dealer_id)
    before = _values(settings, SETTINGS_FIELDS)
    for name, value in changes.items():
        setattr(settings, name, value)
    after = _values(settings, SETTINGS_FIELDS)
    if after != before:
        settings.save()
        audit.record(actor=actor, action=AuditCode.CARE_RULE_SETTINGS, object_type="dealer", object_id=dealer_id,
                     dealer_id=dealer_id, before=before, after=after)
    return settings
