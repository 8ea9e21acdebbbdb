"""The showroom's business actions, the only code that writes sales records.

One module per part of the paperwork; every action is ``@transaction.atomic``, takes
keyword-only arguments with ``actor`` first, checks access through the doors in
``sales.access``, validates (``ValidationError`` naming the field, nothing written) and appends
its audit row in the same transaction (``tests/test_layout.py`` fails on a model write
anywhere else).

- ``prospects``: the register, prospects, grades, contacts, orders, deliveries, defeats, today;
- ``planning``: targets, the funnel, promotion events and their invitations;
- ``daily_report``: the consultant's daily business report, prepared, submitted and signed;
- ``cadence``: when to follow up next, and a dealer's own cadence;
- ``moves``: sales records following a merged or reassigned customer (``customers.moves``).

Pages and the API import this package (``services.open_prospect``) or one of its modules
(``services.daily_report.sign``); read-only tables stay in ``sales.analysis``.
"""

from . import cadence, daily_report, planning, prospects
from .cadence import cadence_table, dealer_by_code, next_follow_up, set_cadence
from .planning import (
    compare_events,
    create_event,
    funnel,
    invite,
    record_follow_up,
    register_attendance,
    set_target,
    targets_vs_actual,
)
from .prospects import (
    apply_for_defeat,
    change_grade,
    decide_defeat,
    log_contact,
    log_customer_contact,
    open_prospect,
    overdue_by_consultant,
    owners_to_care_for,
    record_delivery,
    record_order,
    register_visit,
    today,
    unlinked_visits,
    visits_on,
)

__all__ = [
    "apply_for_defeat", "cadence", "cadence_table", "change_grade", "compare_events", "create_event",
    "daily_report", "dealer_by_code", "decide_defeat", "funnel", "invite", "log_contact",
    "log_customer_contact", "next_follow_up", "open_prospect", "overdue_by_consultant", "owners_to_care_for",
    "planning", "prospects", "record_delivery", "record_follow_up", "record_order",
    "register_attendance", "register_visit", "set_cadence", "set_target", "targets_vs_actual", "today", "unlinked_visits", "visits_on",
]
