"""The cases app's periodic jobs, registered in ``CasesConfig.ready``. Each is a function of the
day and idempotent."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from retain.jobs.registry import periodic

from .services import blacklist


@periodic("cases.blacklist_expire", at="00:15", description=_("End blacklist entries whose expiry day has come"))
def blacklist_expire(day: dt.date) -> str:
    """Entries expiring on ``day`` or before (a run missed on earlier days catches up); a second
    run for the same day ends nothing."""
    return f"{day}: {blacklist.expire(actor=None, day=day)} blacklist entries ended"
