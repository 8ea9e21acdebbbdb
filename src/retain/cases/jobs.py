"""The cases app's periodic jobs, registered in ``CasesConfig.ready``. Each is a function of the
day and idempotent. (The detractor intake's sweep and the re-survey are registered by their own
modules, ``detractors`` and ``recovery``.)"""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from retain.jobs.registry import periodic

from .services import blacklist, lost


@periodic("cases.blacklist_expire", at="00:15", description=_("End blacklist entries whose expiry day has come"))
def blacklist_expire(day: dt.date) -> str:
    """Entries expiring on ``day`` or before (a run missed on earlier days catches up); a second
    run for the same day ends nothing."""
    return f"{day}: {blacklist.expire(actor=None, day=day)} blacklist entries ended"


@periodic("cases.propose_lost", at="03:30",
          description=_("Propose lost owners (low P(alive), no visit for months) and see who came back"))
def propose_lost(day: dt.date) -> str:
    """First who came back (a lost owner won back, a proposal dismissed), then the day's new
    proposals: customers whose latest P(alive) is below the threshold with no visit for
    ``NO_VISIT_MONTHS`` months. Never confirms; a second run for the day adds nothing."""
    back = lost.returns(actor=None, day=day)
    made = lost.propose(actor=None, day=day)
    proposed = "no P(alive) scores to read" if made is None else f"{made} lost owners proposed"
    return f"{day}: {proposed}; {back['won_back']} won back, {back['dismissed']} proposals dismissed (came back)"
