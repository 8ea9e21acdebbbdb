"""The cases app's periodic jobs, registered in ``CasesConfig.ready``. Each is a function of the
day (the escalation, of the hour) and idempotent. (The detractor intake's sweep and the re-survey are registered by their own
modules, ``detractors`` and ``recovery``.)"""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from retain.jobs.registry import hourly, periodic

from .services import blacklist, escalation, lost


@periodic("cases.blacklist_expire", at="00:15", description=_("End blacklist entries whose expiry day has come"))
def blacklist_expire(day: dt.date) -> str:
    """Entries expiring on ``day`` or before (a run missed on earlier days catches up); a second
    run for the same day ends nothing."""
    return f"{day}: {blacklist.expire(actor=None, day=day)} blacklist entries ended"


@periodic("cases.propose_lost", at="03:30",
          description=_("Propose lost owners (low P(alive), no visit for months) and see who came back"))
def propose_lost(day: dt.date) -> str:
    """First who came back (a lost owner won back, a proposal dismissed), then the day's new
    proposals: customers whose latest P(alive) is below their dealer's threshold with no visit
    for the dealer's months (case settings). Never confirms; a second run for the day adds nothing."""
    back = lost.returns(actor=None, day=day)
    made = lost.propose(actor=None, day=day)
    proposed = "no P(alive) scores to read" if made is None else f"{made} lost owners proposed"
    return f"{day}: {proposed}; {back['won_back']} won back, {back['dismissed']} proposals dismissed (came back)"


@hourly("cases.escalate", minute=10,
        description=_("Escalate cases past a deadline to the department manager, then the general manager"))
def escalate(moment: dt.datetime) -> str:
    """Escalations due at ``moment`` (one per case, deadline and level, ever: a second run for
    the hour makes none)."""
    made = escalation.escalate(actor=None, moment=moment)
    return f"{moment:%Y-%m-%d %H:%M}: {made['manager']} cases escalated to a department manager, " \
           f"{made['gm']} to the general manager"
