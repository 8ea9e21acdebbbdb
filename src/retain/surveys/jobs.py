"""The surveys' periodic jobs, registered in ``SurveysConfig.ready``: the day's invitations, the
reminders and the expiry of unanswered links. Each is a function of the day and idempotent."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from retain.jobs.registry import periodic

from .services.distribution import expire as expire_links
from .services.distribution import invite_day, remind_day


@periodic("surveys.invite", at="10:00", description=_("Invite the day's customers to surveys by every dealer's sampling rules"))
def invite(day: dt.date) -> str:
    """Deliveries and repair orders a rule's delay ago, and the day's share of periodic NPS.
    Refusals (consent, fatigue, quota, not drawn) are counted, not errors. Runs after the quiet
    hours so the messages go out at once."""
    tally = invite_day(day)
    if not tally:
        return f"{day}: no survey rules or no events"
    return f"{day}: {tally['invited']} invited (" + ", ".join(
        f"{name} {tally[name]}" for name in ("not_sampled", "quota", "fatigue", "refused", "done")) + ")"


@periodic("surveys.remind", at="10:30", description=_("Remind customers who have not answered a survey"))
def remind(day: dt.date) -> str:
    return f"{day}: {remind_day(day)} survey reminders"


@periodic("surveys.expire", at="00:30", description=_("Expire survey links that were not answered in time"))
def expire(day: dt.date) -> str:
    return f"{day}: {expire_links(actor=None, day=day)} survey invitations expired"
