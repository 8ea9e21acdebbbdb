"""The demo's escalations: what the hourly job ``cases.escalate`` would have recorded over the
demo's history, read off the cases' own columns (``retain.cases.services.escalation`` is the rule).

A deadline is escalated to the department's managers at the job's first run at or after it (ten
past an hour), if it was not met by then; to the general manager at the run ``escalate_gm_hours``
later, if still not met. Those told are the dealer's staff in the roles of ``org.policy.ESCALATION``
other than the case's owner (none at the first level: straight to the general manager). Drawn as
columns, one escalation row per case, deadline and level, and one row per person told in the
recipients' table. The notices of the escalations still standing at the build's now are sent by
``notify_open`` after the tables are loaded, through the service (few, and their text is the
service's).
"""

import numpy as np

from retain.cases.models import CaseEscalation, CaseSettings, Deadline, Level
from retain.cases.services.escalation import DEPARTMENT_KIND, tell
from retain.org.models import DepartmentKind
from retain.org.policy import ESCALATION

from . import columns as col
from .records import DemoData

HOUR = np.timedelta64(3600, "s")
#: The job runs at ten past each hour (the dealers' zones are whole hours from UTC).
JOB_MINUTE = np.timedelta64(10 * 60, "s")


def _first_run(due: np.ndarray) -> np.ndarray:
    """The hourly job's first run at or after ``due`` (datetime64[s], UTC)."""
    since = (due - JOB_MINUTE).astype("datetime64[s]").astype(np.int64)
    hours = -(-since // 3600)  # ceiling
    return (hours * 3600).astype("datetime64[s]") + JOB_MINUTE


class _Told:
    """Per dealer (index) and organisation department, the staff the policy names, as a padded
    matrix (0 = nobody), so each escalation row picks its people without a loop."""

    def __init__(self, data: DemoData):
        staff = data.tables["org.Staff"]
        dealer = np.ma.filled(staff["dealer_id"], 0)
        n_dealers = len(data.tables["org.Dealer"]["id"])
        self.matrix = {}
        for kind, roles in ESCALATION.items():
            mine = np.isin(staff["role"], [str(role) for role in roles]) & staff["is_active"] & (dealer > 0)
            width = max(1, int(np.bincount(dealer[mine], minlength=n_dealers + 1).max(initial=0)))
            matrix = np.zeros((n_dealers, width), dtype=np.int64)
            order = np.lexsort((staff["id"][mine], dealer[mine]))
            d, ids = dealer[mine][order] - 1, staff["id"][mine][order]
            slot = np.arange(d.size) - np.searchsorted(d, d)  # position within its dealer
            matrix[d, slot] = ids
            self.matrix[str(kind)] = matrix

    def pick(self, kind: np.ndarray, dealer: np.ndarray, owner: np.ndarray) -> np.ndarray:
        """Per row, the staff told (0 for none), rows x width of the widest department."""
        width = max(m.shape[1] for m in self.matrix.values())
        chosen = np.zeros((dealer.size, width), dtype=np.int64)
        for name, matrix in self.matrix.items():
            rows = kind == name
            chosen[rows, :matrix.shape[1]] = matrix[dealer[rows]]
        chosen[chosen == owner[:, None]] = 0
        return chosen


def add_escalations(data: DemoData, cases: dict, today) -> dict:
    """The ``cases.CaseEscalation`` rows and their recipients up to the build's now."""
    now = np.datetime64(today, "s")
    told = _Told(data)
    gm_after = np.timedelta64(CaseSettings().escalate_gm_hours * 3600, "s")  # the demo's dealers keep the default
    dealer = cases["dealer_id"] - 1
    owner = np.ma.filled(cases["owner_id"], 0)
    department = np.full(dealer.size, str(DepartmentKind.MANAGEMENT), dtype=object)  # other: the GM at once
    for case_department, kind in DEPARTMENT_KIND.items():
        department[cases["department"] == case_department.value] = str(kind)
    managers = told.pick(department, dealer, owner)
    gms = told.pick(np.full(dealer.size, str(DepartmentKind.MANAGEMENT)), dealer, owner)
    has_manager = (managers > 0).any(axis=1) & (department != str(DepartmentKind.MANAGEMENT))
    parts = []
    deadlines = (
        (Deadline.FIRST_CONTACT, cases["first_contact_due"], cases["first_contact_at"]),
        (Deadline.RESOLUTION, cases["resolution_due"], cases["closed_at"]),
    )
    for deadline, due, met in deadlines:
        met = np.ma.filled(met.astype("datetime64[s]"), np.datetime64("NaT"))
        first = _first_run(due.astype("datetime64[s]"))
        to_manager = _unmet(met, first, now) & has_manager
        to_gm = np.where(has_manager, _unmet(met, first + gm_after, now) & to_manager, _unmet(met, first, now))
        for level, rows, at, people in ((Level.MANAGER, to_manager, first, managers),
                                        (Level.GM, to_gm, np.where(has_manager, first + gm_after, first), gms)):
            index = np.flatnonzero(rows)
            parts.append({"case_id": cases["id"][index], "deadline": np.full(index.size, deadline.value),
                          "level": np.full(index.size, level.value), "due": due[index].astype("datetime64[s]"),
                          "at": at[index], "people": people[index]})
    rows = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    order = np.lexsort((rows["case_id"], rows["at"]))
    rows = {name: column[order] for name, column in rows.items()}
    rows["id"] = col.ids(rows["case_id"].size)
    people = rows.pop("people")
    row, slot = np.nonzero(people)
    return {
        "cases.CaseEscalation": rows,
        "cases.CaseEscalation_recipients": {"id": col.ids(row.size), "caseescalation_id": rows["id"][row],
                                            "staff_id": people[row, slot]},
    }


def _unmet(met: np.ndarray, moment: np.ndarray, now: np.datetime64) -> np.ndarray:
    """The job ran at ``moment`` (before the build's now) and the deadline was not met by then."""
    return (moment < now) & (np.isnat(met) | (met > moment))


def notify_open() -> int:
    """Notices for the escalations of cases still open (what their managers find waiting), sent
    as the job sends them; answers how many escalations."""
    standing = (CaseEscalation.objects.filter(case__status="open").select_related("case__customer", "case__owner")
                .prefetch_related("recipients"))
    count = 0
    for row in standing:
        tell(row.case, row, list(row.recipients.all()))
        count += 1
    return count
