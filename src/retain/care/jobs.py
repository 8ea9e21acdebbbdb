"""The care calendar's periodic job, registered in ``CareConfig.ready``."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from retain.jobs.registry import periodic

from .services import generate_tasks


@periodic("care.generate", at="01:30", description=_("Make the day's care tasks from every dealer's care rules"))
def generate(day: dt.date) -> str:
    """The tasks falling due on ``day`` plus each rule's lead days; idempotent (a second run for
    the same day adds nothing)."""
    added = generate_tasks(actor=None, day=day)
    if not added:
        return f"{day}: no new care tasks"
    return f"{day}: {sum(added.values())} care tasks (" + ", ".join(f"{k} {n}" for k, n in sorted(added.items())) + ")"
