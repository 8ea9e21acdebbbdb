"""The demo's lost owners and win-back (docs/cases.md, "Lost owners and win-back"), as columns.

- **Confirmed lost**: 5% of the active customers whose last transaction is more than 18 months
  old (the case settings' default ``lost_no_visit_months``), lost on a day after it within the last two years; 60% recorded by
  staff, 40% proposed by the system and confirmed by a manager days later.
- **Won back**: a fifth as many, among customers who came back after a gap of more than 400
  days in the last two years: lost in the gap, won back on the day of the transaction that
  ended it (half seen by the system the next morning, half marked by staff).
- **Proposals**: 1% of the long-gone customers proposed by the system in the last month, with
  their P(alive) as proposed, awaiting confirmation; a fifth of them dismissed with a note.
- **Reasons**: the confirmed and won-back owners' reasons in the seed's shares exactly (to
  rounding, largest remainders), in a random order (``REFERENCE_SHARES``).
- **Value**: as ``cases.services.lost`` computes it through
  ``retention.lost_customer_value`` (the customer's spend up to the day lost over the years of
  their history, at least the dealer's replacement cycle; ``YEARS`` more years; the
  word-of-mouth assumptions), one vectorised call for all (tests/demo check it against the
  service's ``lost_value`` on a sample).
- **Win-back steps**: 60% of the confirmed and every won-back owner have one to four of the
  seed's steps in their order, with notes, after the loss (and before the return).

No record is consistent only by luck: a confirmed owner has no transaction after the day lost
and a proposal none after its last visit (the job ``cases.propose_lost`` would otherwise mark
them won back or dismiss them), and a won-back owner's return is a transaction of the demo.
"""

import numpy as np

from retain.analytics.retention import lost_customer_value
from retain.care.rules import settings_for as care_settings_for
from retain.cases.models import LostReason, LostSource, LostStatus, WinBackStepKind
from retain.cases.models.case import CaseSettings
from retain.cases.models.lost import REFERENCE_SHARES
from retain.cases.services.lost import DAYS_PER_YEAR, WORD_OF_MOUTH, YEARS

from . import case_texts as texts
from . import columns as col

DAY = np.timedelta64(1, "D")
#: The worker's defaults for proposing (the demo's dealers keep them): P(alive) below this, no
#: visit for so many months.
P_ALIVE_THRESHOLD = CaseSettings().lost_p_alive_percent / 100
NO_VISIT_DAYS = int(CaseSettings().lost_no_visit_months * 30.5)
LOST_SHARE, PROPOSED_SHARE, DISMISSED_SHARE = 0.05, 0.01, 0.2
WON_BACK_PER_LOST, RETURN_GAP_DAYS, WINDOW_DAYS = 0.2, 400, 730
RECORDED_SHARE, STEPS_SHARE = 0.6, 0.6
DISMISS_NOTES = ["客户说车一直在外地用，回来还会来保养", "联系上了客户，客户在外地出差，没有离开"]


def lost_values(ledger: dict, customer: np.ndarray, lost_on: np.ndarray, cycle: np.ndarray) -> dict:
    """The value columns of customers lost on ``lost_on`` (``cases.services.lost._values``,
    vectorised): spend up to the day lost, over the years of their history and at least the
    dealer's replacement ``cycle``, through ``lost_customer_value``."""
    index = np.full(ledger["customer"].max() + 2, -1, dtype=np.int64)
    index[customer] = np.arange(customer.size)
    row = index[ledger["customer"]]
    mine = row >= 0
    mine[mine] &= ledger["day"][mine] <= lost_on[row[mine]]
    spent = np.zeros(customer.size, dtype=np.int64)
    np.add.at(spent, row[mine], ledger["amount"][mine])
    first = np.full(customer.size, np.datetime64("2100-12-31"), dtype="datetime64[D]")
    np.minimum.at(first, row[mine], ledger["day"][mine])
    had = first < np.datetime64("2100-12-31")
    span = np.where(had, (lost_on - first).astype(np.int64) / DAYS_PER_YEAR, 0.0)
    years = np.maximum(cycle.astype(float), span)
    annual = np.round(spent / years)
    result = lost_customer_value(annual_spend=annual, years=YEARS, **WORD_OF_MOUTH)
    frame = result.customers
    n = customer.size
    return {"annual_spend_cents": annual.astype(np.int64), "history_cents": spent,
            "history_years": np.round(years, 4), "years": np.full(n, float(YEARS)),
            **{name: np.full(n, value) for name, value in WORD_OF_MOUTH.items()},
            "word_of_mouth_customers": np.full(n, result.word_of_mouth_customers_per_lost),
            "direct_value_cents": np.rint(frame["direct_value"].to_numpy()).astype(np.int64),
            "word_of_mouth_value_cents": np.rint(frame["word_of_mouth_value"].to_numpy()).astype(np.int64),
            "value_cents": np.rint(frame["total_value"].to_numpy()).astype(np.int64)}


def add_lost_owners(data, world, people, today, rng) -> dict:
    ledger = {**world.ledger, "amount": data.tables["customers.Transaction"]["amount_cents"]}
    n_customers = len(world.customer_dealer)
    last = np.full(n_customers, np.datetime64("1900-01-01"), dtype="datetime64[D]")
    np.maximum.at(last, ledger["customer"], ledger["day"])
    seen = last > np.datetime64("1900-01-01")
    # Returns after a long gap in the window: the transaction that ended the gap (the latest per customer).
    order = np.lexsort((ledger["day"], ledger["customer"]))
    who, day = ledger["customer"][order], ledger["day"][order]
    same = np.r_[False, who[1:] == who[:-1]]
    gap = np.r_[0, (day[1:] - day[:-1]).astype(np.int64)]
    back = np.flatnonzero(same & (gap > RETURN_GAP_DAYS) & (day > today - WINDOW_DAYS * DAY) & (day < today))
    latest = back[::-1]  # the latest return of each customer
    back = np.sort(latest[np.unique(who[latest], return_index=True)[1]])
    back = back[people.customer_active[who[back]]]
    gone = np.flatnonzero(seen & people.customer_active & (last <= today - NO_VISIT_DAYS * DAY))
    gone = np.setdiff1d(gone, who[back])
    n_lost = int(round(LOST_SHARE * gone.size))
    n_won = min(back.size, int(round(WON_BACK_PER_LOST * n_lost)))
    n_proposed = int(round(PROPOSED_SHARE * gone.size))
    picked = rng.permutation(gone)
    lost_who, proposed_who = picked[:n_lost], picked[n_lost:n_lost + n_proposed]
    proposed_who = proposed_who[last[proposed_who] <= today - (NO_VISIT_DAYS + 31) * DAY]
    won = rng.choice(back, size=n_won, replace=False) if n_won else back[:0]
    won_who, won_on, last_before = who[won], day[won], day[won - 1]

    # Lost on: confirmed, in the last two years after the last visit; won back, inside the gap;
    # proposals, by the job in the last month.
    lost_on = np.maximum(last[lost_who] + 90 * DAY, today - rng.integers(1, WINDOW_DAYS, lost_who.size) * DAY)
    lost_on = np.minimum(lost_on, today - DAY)
    won_gap = (won_on - last_before).astype(np.int64)
    won_lost_on = last_before + (rng.uniform(0.6, 0.9, won_who.size) * won_gap).astype(np.int64) * DAY
    proposed_on = today - rng.integers(1, 31, proposed_who.size) * DAY
    customer = np.concatenate([lost_who, won_who, proposed_who])
    day_lost = np.concatenate([lost_on, won_lost_on, proposed_on]).astype("datetime64[D]")
    n = customer.size
    kind = np.repeat([0, 1, 2], [lost_who.size, won_who.size, proposed_who.size])  # confirmed, won back, proposal
    dealer = world.customer_dealer[customer]
    last_visit = np.concatenate([last[lost_who], last_before, last[proposed_who]])
    reasons = np.array([r.value for r in LostReason])
    shares = np.array([REFERENCE_SHARES[r] for r in LostReason])
    with_reason = np.flatnonzero(kind < 2)
    reason = np.full(n, "", dtype=object)
    reason[with_reason] = col.exactly(rng, reasons, shares, with_reason.size)
    proposed = (kind == 2) | (rng.random(n) >= RECORDED_SHARE)
    source = np.where(proposed, LostSource.PROPOSED.value, LostSource.RECORDED.value)
    dismissed = (kind == 2) & (rng.random(n) < DISMISSED_SHARE)
    status = np.select([kind == 1, dismissed, kind == 2], [LostStatus.WON_BACK.value, LostStatus.DISMISSED.value,
                                                             LostStatus.PROPOSED.value], LostStatus.CONFIRMED.value)
    staff = np.where(world.owner[customer] > 0, world.owner[customer], people.service_manager[dealer])
    manager = np.where(rng.random(n) < 0.5, people.service_manager[dealer], people.sales_manager[dealer])
    recorded_at = col.datetimes(rng, day_lost, 0.5, 9.0)
    now = np.datetime64(today, "s")
    confirmed_at = np.minimum(recorded_at + rng.integers(1, 15, n) * DAY, now - np.timedelta64(60, "s"))
    confirmed = kind < 2
    by_system = rng.random(n) < 0.5
    won_back_at = np.where(by_system, col.datetimes(rng, np.where(kind == 1, won_on_all(won_on, kind), day_lost)
                                                    + DAY, -1.0, 0.0),
                           col.datetimes(rng, won_on_all(won_on, kind), 1.0, 9.0))
    cycles = np.array([care_settings_for(int(d) + 1).replacement_years for d in range(world.n_dealers)])
    values = lost_values(ledger, customer, day_lost, cycles[dealer])
    table = {
        "id": col.ids(n), "customer_id": customer + 1, "dealer_id": dealer + 1, "source": source, "status": status,
        "reason": reason.astype(str), "lost_on": day_lost, "last_visit": last_visit,
        "p_alive": col.masked(np.round(rng.uniform(0.02, P_ALIVE_THRESHOLD - 0.01, n), 4), ~proposed),
        "notes": np.where(confirmed, texts.draw(rng, texts.LOST_NOTES, n),
                          np.where(dismissed, texts.draw(rng, DISMISS_NOTES, n), "")),
        **values,
        "recorded_by_id": col.masked(np.where(proposed, 0, staff), proposed), "recorded_at": recorded_at,
        "confirmed_by_id": col.masked(np.where(proposed, manager, staff), ~confirmed),
        "confirmed_at": col.masked(np.where(proposed, confirmed_at, recorded_at), ~confirmed),
        "dismissed_by_id": col.masked(manager, ~dismissed), "dismissed_at": col.masked(confirmed_at, ~dismissed),
        "won_back_by_id": col.masked(staff, (kind != 1) | by_system),
        "won_back_at": col.masked(won_back_at, kind != 1),
        "won_back_on": col.masked(won_on_all(won_on, kind), kind != 1),
    }
    return {"cases.LostOwner": table, "cases.WinBackStep": _steps(rng, table, kind, staff, won_on_all(won_on, kind),
                                                                   today)}


def won_on_all(won_on: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """The return day of each record (won-back ones; the others get a placeholder, masked)."""
    out = np.full(kind.size, np.datetime64("2000-01-01"), dtype="datetime64[D]")
    out[kind == 1] = won_on
    return out


def _steps(rng, table: dict, kind: np.ndarray, staff: np.ndarray, won_on: np.ndarray, today) -> dict:
    """One to four win-back steps in the seed's order, spread after the loss and before the return."""
    n = kind.size
    started = (kind == 1) | ((kind == 0) & (rng.random(n) < STEPS_SHARE))
    count = np.where(started, np.where(kind == 1, rng.integers(2, 5, n), rng.integers(1, 5, n)), 0)
    group, position, _start = col.groups(count)
    lost_on = table["lost_on"][group]
    end = np.where(kind[group] == 1, won_on[group] - DAY, today - DAY)
    room = np.maximum((end - lost_on).astype(np.int64), 0)
    done_on = lost_on + (room * (position + rng.random(group.size)) / np.maximum(count[group], 1)).astype(np.int64) * DAY
    kinds = np.array([k.value for k in WinBackStepKind])
    step = kinds[np.minimum(position, kinds.size - 1)]
    m = group.size
    return {"id": col.ids(m), "lost_owner_id": table["id"][group], "kind": step, "done_on": done_on,
            "done_by_id": staff[group], "notes": texts.draw_by(rng, texts.WIN_BACK_NOTES, step).astype(str),
            "recorded_at": col.datetimes(rng, done_on, 1.0, 10.0)}
