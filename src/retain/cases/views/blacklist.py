"""The blacklist's pages: the list (in force, awaiting a decision, ended), the proposal form with
the written principles beside it, and an entry's page where a manager approves, rejects or lifts
it. Thin: the doors, the forms and ``services.blacklist``; nothing is written on a GET."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.customers.access import access_customer
from retain.org.policy import Action, require
from retain.web.keyset import keyset_page
from retain.web.pages import post_and_redirect

from ..access import access_blacklist_entry, visible_blacklist
from ..forms.blacklist import DecisionForm, FilterForm, LiftForm, ProposeForm
from ..models.blacklist import ENDED_STATUSES, MAX_TERM_MONTHS, EntryStatus, Reason
from ..services import blacklist as service

PAGE_SIZE = 25


def in_state(entries, state: str, day):
    """The entries of one of the list's states on ``day``."""
    if state == "in_force":
        return entries.filter(status=EntryStatus.ACTIVE, starts_on__lte=day, expires_on__gt=day)
    if state == "proposed":
        return entries.filter(status=EntryStatus.PROPOSED)
    if state == "ended":
        return entries.filter(status__in=ENDED_STATUSES)
    return entries


@login_required
def blacklist_list(request):
    """The blacklist in the reader's scope, by state and reason, newest first."""
    require(request.user, Action.VIEW_BLACKLIST)
    form = FilterForm(request.GET or None)
    chosen = form.values()
    entries = in_state(visible_blacklist(request.user), chosen["state"], timezone.localdate())
    if chosen["reason"]:
        entries = entries.filter(reason=chosen["reason"])
    page = keyset_page(entries.select_related("customer", "dealer", "proposed_by", "decided_by"),
                       after=request.GET.get("after"), before=request.GET.get("before"), size=PAGE_SIZE,
                       ordering=["-proposed_at", "-id"], count=True)
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return render(request, "cases/blacklist/list.html", {
        "page": page, "form": form, "state": chosen["state"], "query": query.urlencode(),
        "today": timezone.localdate()})


def _principles() -> dict:
    return {"reasons": Reason.choices, "max_term": MAX_TERM_MONTHS}


@login_required
def blacklist_propose(request, customer_id):
    """Propose one customer (reached through the customers' door for ``propose_blacklist``)."""
    customer = access_customer(request.user, customer_id, Action.PROPOSE_BLACKLIST)
    form = ProposeForm(request.POST or None)
    if request.method == "POST":
        done = post_and_redirect(request, form, lambda data: service.propose(
            actor=request.user, customer_id=customer.pk, reason=data["reason"], evidence=data["evidence"],
            expires_on=data["expires_on"]),
            success=_("Proposed for the blacklist: not in force until a manager approves it."),
            to="cases:blacklist")
        if done:
            return done
    return render(request, "cases/blacklist/propose.html", {"customer": customer, "form": form, **_principles()},
                  status=422 if form.errors else 200)


def _entry_context(request, entry, **forms) -> dict:
    decide = visible_blacklist(request.user, Action.DECIDE_BLACKLIST).filter(pk=entry.pk).exists()
    return {
        "entry": entry, "today": timezone.localdate(), "in_force": entry.in_force(timezone.localdate()),
        "may_decide": decide and entry.status == EntryStatus.PROPOSED and entry.proposed_by_id != request.user.pk,
        "own_proposal": entry.proposed_by_id == request.user.pk,
        "may_lift": decide and entry.status == EntryStatus.ACTIVE,
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "lift_form": forms.get("lift_form") or LiftForm(),
    }


@login_required
def blacklist_entry(request, entry_id):
    """One entry with every step's who and when, and a manager's decisions."""
    entry = access_blacklist_entry(request.user, entry_id)
    return render(request, "cases/blacklist/entry.html", _entry_context(request, entry))


@login_required
@require_POST
def blacklist_decide(request, entry_id):
    """Approve or reject a proposal (the button pressed says which)."""
    entry = access_blacklist_entry(request.user, entry_id, Action.DECIDE_BLACKLIST)
    form = DecisionForm(request.POST)
    approving = request.POST.get("decision") == "approve"
    done = post_and_redirect(
        request, form,
        (lambda data: service.approve(actor=request.user, entry_id=entry.pk, note=data["note"])) if approving
        else (lambda data: service.reject(actor=request.user, entry_id=entry.pk, note=data["note"])),
        success=_("Approved: the entry is in force.") if approving else _("Rejected: the entry is not in force."),
        to="cases:blacklist_entry", entry_id=entry.pk)
    if done:
        return done
    entry.refresh_from_db()
    return render(request, "cases/blacklist/entry.html", _entry_context(request, entry, decision_form=form),
                  status=422)


@login_required
@require_POST
def blacklist_lift(request, entry_id):
    """Lift an approved entry, with a reason."""
    entry = access_blacklist_entry(request.user, entry_id, Action.DECIDE_BLACKLIST)
    form = LiftForm(request.POST)
    done = post_and_redirect(request, form, lambda data: service.lift(
        actor=request.user, entry_id=entry.pk, reason=data["reason"]),
        success=_("Lifted: the customer is contacted again."), to="cases:blacklist_entry", entry_id=entry.pk)
    if done:
        return done
    entry.refresh_from_db()
    return render(request, "cases/blacklist/entry.html", _entry_context(request, entry, lift_form=form), status=422)
