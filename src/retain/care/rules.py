"""The care rules a dealer works with: its own rows, or the defaults below for a kind it has not
set. Reads only (the rules page and the job); ``care.services.rules`` writes them.

The defaults follow the seed's care list: greetings by message from the customer's consultant,
after-delivery calls by the consultant (the satisfaction contact after delivery is a CSS item),
reminders about the car by the service advisor, a week (service) or two (inspection) ahead, and
the VIP touches by the people named on the VIP file.
"""

from dataclasses import dataclass

from .models import Assignee, CareRule, CareSettings, Channel, TaskKind


@dataclass(frozen=True)
class Default:
    lead_days: int
    channel: str
    assignee: str = Assignee.CONSULTANT
    enabled: bool = True


_CALL, _MESSAGE, _VISIT = Channel.PHONE, Channel.MESSAGE, Channel.VISIT
_ADVISOR = Assignee.SERVICE_ADVISOR

DEFAULTS: dict[str, Default] = {
    TaskKind.BIRTHDAY: Default(0, _MESSAGE),
    TaskKind.SPRING_FESTIVAL: Default(0, _MESSAGE),
    TaskKind.DRAGON_BOAT: Default(0, _MESSAGE),
    TaskKind.MID_AUTUMN: Default(0, _MESSAGE),
    TaskKind.NATIONAL_DAY: Default(0, _MESSAGE),
    TaskKind.DELIVERY_D1: Default(0, _CALL),
    TaskKind.DELIVERY_D7: Default(0, _CALL),
    TaskKind.DELIVERY_D30: Default(0, _CALL),
    TaskKind.SERVICE_DUE: Default(7, _CALL, _ADVISOR),
    TaskKind.INSURANCE_60: Default(0, _CALL, _ADVISOR),
    TaskKind.INSURANCE_30: Default(0, _CALL, _ADVISOR),
    TaskKind.INSURANCE_7: Default(0, _CALL, _ADVISOR),
    TaskKind.INSPECTION: Default(14, _CALL, _ADVISOR),
    TaskKind.REPLACEMENT: Default(0, _CALL),
    TaskKind.ACCIDENT: Default(0, _CALL, _ADVISOR),
    TaskKind.VIP_VISIT: Default(3, _VISIT),
    TaskKind.MANAGER_CONTACT: Default(3, _CALL),
}


def default_template(kind: str, channel: str) -> str:
    """A message rule sends the dealer's template named after its kind unless the rule names one
    (the channels app keeps the templates; ``birthday``, ``mid_autumn``...)."""
    return kind if channel == Channel.MESSAGE else ""


def default_rule(dealer_id: int, kind: str) -> CareRule:
    """An unsaved rule with the default values (what the dealer works with until it changes it)."""
    d = DEFAULTS[kind]
    return CareRule(dealer_id=dealer_id, kind=kind, enabled=d.enabled, lead_days=d.lead_days, channel=d.channel,
                    assignee=d.assignee, template_code=default_template(kind, d.channel))


def rules_for(dealer_id: int) -> list[CareRule]:
    """Every kind's rule at the dealer, saved or default, in ``RULE_KINDS`` order."""
    saved = {rule.kind: rule for rule in CareRule.objects.filter(dealer_id=dealer_id)}
    return [saved.get(kind) or default_rule(dealer_id, kind) for kind in DEFAULTS]


def settings_for(dealer_id: int) -> CareSettings:
    """The dealer's intervals and thresholds (the field defaults if it has set none)."""
    return CareSettings.objects.filter(dealer_id=dealer_id).first() or CareSettings(dealer_id=dealer_id)
