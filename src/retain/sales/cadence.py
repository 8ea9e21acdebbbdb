"""When to follow up next: the grade's cadence, a dealer's own table overriding the defaults."""

import datetime as dt

from .models import DEFAULT_CADENCE_DAYS, Cadence, Grade


def cadence_days(dealer_id: int, grade: str) -> int:
    """Days between follow-ups for ``grade`` at this dealer (its own setting or the default)."""
    if grade not in Grade.values:
        raise ValueError(f"unknown grade {grade!r}")
    own = Cadence.objects.filter(dealer_id=dealer_id, grade=grade).values_list("days", flat=True).first()
    return own or DEFAULT_CADENCE_DAYS[Grade(grade)]


def cadence_table(dealer_id: int) -> dict[str, int]:
    """The dealer's cadence for every grade."""
    own = dict(Cadence.objects.filter(dealer_id=dealer_id).values_list("grade", "days"))
    return {grade: own.get(grade, DEFAULT_CADENCE_DAYS[grade]) for grade in Grade}


def next_follow_up(dealer_id: int, grade: str, last_contact: dt.date) -> dt.date:
    """The last contact plus the grade's cadence, in calendar days (month and year ends included)."""
    return last_contact + dt.timedelta(days=cadence_days(dealer_id, grade))
