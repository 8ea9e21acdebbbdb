"""A dealer's survey settings (contact fatigue, link validity, reminders, its own networks) and
its sampling rules (per trigger: the survey, the delay, the rate and the monthly quota), set by
the dealer's managers and marketing, the region and the group (the policy's ``set_survey_rules``).
"""

import ipaddress

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from retain.bounds import check_fields
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import Dealer
from retain.org.policy import Action, dealers_in_scope, require

from ..models import Audience, SamplingRule, Survey, SurveySettings, Trigger
from ..sampling import RULE_SURVEY_KINDS, survey_usable_at

SETTINGS_FIELDS = ("fatigue_days", "link_days", "reminder_days", "staff_networks")
RULE_FIELDS = ("survey_id", "delay_days", "rate_percent", "monthly_quota", "every_months", "active")
#: The triggers a rule can be set for (manual invitations and QR codes follow no rule).
RULE_TRIGGERS = tuple(RULE_SURVEY_KINDS)
#: Numbers that may be left empty.
OPTIONAL = ("monthly_quota", "every_months")


def dealer_for_rules(actor, dealer_id) -> Dealer:
    """A dealer whose survey rules the actor sets: 403 if they set them nowhere, 404 if this
    dealer is out of their scope."""
    require(actor, Action.SET_SURVEY_RULES)
    try:
        dealer_id = int(dealer_id)
    except (TypeError, ValueError):
        raise Http404(_("No such dealer."))
    dealer = (dealers_in_scope(actor, Action.SET_SURVEY_RULES).select_related("region").filter(pk=dealer_id)
              .first())
    if dealer is None:
        raise Http404(_("No such dealer."))
    return dealer


def parse_networks(text: str) -> str:
    """The dealer's networks, one CIDR (or single address) per line, each checked by
    ``ipaddress`` and written back in its normal form; ValueError names the first bad line."""
    networks = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            networks.append(str(ipaddress.ip_network(line, strict=False)))
        except ValueError:
            raise ValueError(_("Line %(n)d, “%(text)s”, is not a network such as 192.168.1.0/24.")
                             % {"n": number, "text": line[:50]}) from None
    return "\n".join(networks)


def _whole_numbers(model, changes: dict, names, errors: dict) -> None:
    for name in names:
        if name not in changes:
            continue
        value = changes[name]
        if value is None and name in OPTIONAL:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = _("Enter a whole number.")
    check_fields(model, errors, **{n: changes[n] for n in names if n in changes and n not in errors})


def _unknown(changes: dict, known, errors: dict) -> None:
    errors.update({name: _("This field cannot be set here.") for name in sorted(set(changes) - set(known))})


@transaction.atomic
def set_settings(*, actor, dealer_id, **changes) -> SurveySettings:
    """Change a dealer's survey settings: ``fatigue_days`` (0-365), ``link_days`` (1-90),
    ``reminder_days`` (0-60, 0: no reminder), ``staff_networks`` (one CIDR per line)."""
    dealer = dealer_for_rules(actor, dealer_id)
    errors: dict = {}
    _unknown(changes, SETTINGS_FIELDS, errors)
    _whole_numbers(SurveySettings, changes, ("fatigue_days", "link_days", "reminder_days"), errors)
    if "staff_networks" in changes:
        text = changes["staff_networks"]
        if not isinstance(text, str):
            errors["staff_networks"] = _("Write one network per line.")
        else:
            check_fields(SurveySettings, errors, staff_networks=text)
            if "staff_networks" not in errors:
                try:
                    changes["staff_networks"] = parse_networks(text)
                except ValueError as exc:
                    errors["staff_networks"] = str(exc)
    if errors:
        raise ValidationError(errors)
    found = SurveySettings.objects.select_for_update().filter(dealer=dealer).first()
    row = found or SurveySettings(dealer=dealer)
    before = {name: getattr(row, name) for name in changes}
    for name, value in changes.items():
        setattr(row, name, value)
    changed = [name for name in changes if before[name] != changes[name]]
    if changed or found is None:
        row.save()
        audit.record(actor=actor, action=AuditCode.SURVEY_SETTINGS_SET, object_type="dealer", object_id=dealer.pk,
                     dealer_id=dealer.pk, before={n: before[n] for n in changed},
                     after={n: changes[n] for n in changed})
    return row


@transaction.atomic
def set_rule(*, actor, dealer_id, trigger: str, **changes) -> SamplingRule:
    """Set the dealer's sampling rule for a trigger (``delivery``, ``repair``, ``case``,
    ``periodic``): the survey (active, for customers, of a kind the trigger asks, usable at the
    dealer), ``delay_days`` (0-365), ``rate_percent`` (0-100), ``monthly_quota`` (none or
    0-100,000), ``every_months`` (periodic: 1-60, default 12), ``active``."""
    dealer = dealer_for_rules(actor, dealer_id)
    errors: dict = {}
    if trigger not in RULE_TRIGGERS:
        raise ValidationError({"trigger": _("Choose a trigger: %(names)s.") % {"names": ", ".join(RULE_TRIGGERS)}})
    _unknown(changes, RULE_FIELDS, errors)
    rule = SamplingRule.objects.select_for_update().filter(dealer=dealer, trigger=trigger).first()
    if rule is None and "survey_id" not in changes:
        errors["survey_id"] = _("Choose the survey this rule sends.")
    if "survey_id" in changes:
        survey = _rule_survey(changes["survey_id"], dealer, trigger)
        if isinstance(survey, str):
            errors["survey_id"] = survey
        else:
            changes["survey_id"] = survey.pk
    _whole_numbers(SamplingRule, changes, ("delay_days", "rate_percent", "monthly_quota", "every_months"), errors)
    if "active" in changes and not isinstance(changes["active"], bool):
        errors["active"] = _("Say whether the rule is active.")
    if errors:
        raise ValidationError(errors)
    new = rule is None
    rule = rule or SamplingRule(dealer=dealer, trigger=trigger)
    before = {name: getattr(rule, name) for name in changes}
    for name, value in changes.items():
        setattr(rule, name, value)
    changed = [name for name in changes if new or before[name] != changes[name]]
    if changed:
        rule.save()
        audit.record(actor=actor, action=AuditCode.SURVEY_SETTINGS_SET, obj=rule, object_type="sampling_rule",
                     before=None if new else {n: before[n] for n in changed},
                     after={"trigger": trigger, **{n: changes[n] for n in changed}})
    return rule


def _rule_survey(survey_id, dealer, trigger) -> Survey | str:
    """The survey a rule may send, or why not."""
    try:
        survey = Survey.objects.filter(pk=int(survey_id)).first()
    except (TypeError, ValueError, OverflowError):
        survey = None
    if survey is None or not survey_usable_at(survey, dealer):
        return _("Choose a survey of this dealer or its group.")
    if not survey.active or survey.audience != Audience.CUSTOMERS or survey.current_version_id is None:
        return _("Choose an active survey for customers.")
    if survey.kind not in RULE_SURVEY_KINDS[trigger]:
        return _("A rule “%(trigger)s” sends a survey of kind %(kinds)s.") % {
            "trigger": Trigger(trigger).label, "kinds": ", ".join(str(k.label) for k in RULE_SURVEY_KINDS[trigger])}
    return survey
