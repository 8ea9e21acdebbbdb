"""The doors to sales records: the customers' policy table applied to each record's dealer and
the staff member it belongs to (a prospect's consultant, a register line's consultant, a report's
author).

A consultant sees and works only their own records; managers see their dealer's (region's,
group's). Outside the scope a record answers 404; seen but not allowed, 403. Which role may do
what is the policy table's (``org/policy.py``); nothing here names a role.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from retain.customers.access import visible_customers
from retain.org.policy import Action, Scope, dealers_in_scope, refusal, scope_filter, staff_with

from .models import DailyReport, Invitation, PromotionEvent, Prospect, ShowroomVisit


def sellers(dealers):
    """The active staff who sell at ``dealers``: those who keep a daily report of their own (the
    policy's ``write_report``). Their rows make the target and contact-status tables."""
    return staff_with(Action.WRITE_REPORT, Scope.OWN).filter(dealer__in=dealers, is_active=True)


def _visible(model, actor, action: str, owner: str):
    condition = scope_filter(actor, action, owner=owner)
    return model.objects.none() if condition is None else model.objects.filter(condition)


def _access(visible, actor, record_id, action, *, for_update, related, not_found, seen=Action.VIEW):
    """One record for ``action``: 404 unless the actor may ``seen`` it, 403 if seen but not allowed."""
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        raise Http404(not_found)
    if not visible(actor, seen).filter(pk=record_id).exists():
        raise Http404(not_found)
    allowed = visible(actor, action).filter(pk=record_id)
    if for_update:
        allowed = allowed.select_for_update(of=("self",))
    record = allowed.select_related(*related).first()
    if record is None:
        raise PermissionDenied(refusal(action))
    return record


def visible_prospects(actor, action: str = Action.VIEW):
    return _visible(Prospect, actor, action, "owner")


def access_prospect(actor, prospect_id, action: str = Action.VIEW, *, for_update: bool = False) -> Prospect:
    return _access(visible_prospects, actor, prospect_id, action, for_update=for_update,
                   related=("customer", "dealer", "owner"), not_found=_("No such prospect."))


def visible_visits(actor, action: str = Action.VIEW):
    """Register lines in scope: a consultant's own (the visitors they received), a manager's dealer's."""
    return _visible(ShowroomVisit, actor, action, "consultant")


def visible_reports(actor, action: str = Action.READ_REPORTS):
    """Daily reports in scope: a consultant's own, a manager's dealer's, and so on."""
    return _visible(DailyReport, actor, action, "consultant")


def access_report(actor, report_id, action: str = Action.READ_REPORTS, *, for_update: bool = False) -> DailyReport:
    """A report the actor may read (404 otherwise), for ``action`` (403 if read but not allowed)."""
    return _access(visible_reports, actor, report_id, action, for_update=for_update,
                   related=("consultant", "dealer", "signed_by"), not_found=_("No such report."),
                   seen=Action.READ_REPORTS)


def visible_events(actor, action: str = Action.VIEW):
    """Events at the dealers in the actor's scope (a consultant: their own dealer's)."""
    return PromotionEvent.objects.filter(dealer__in=dealers_in_scope(actor, action))


def access_event(actor, event_id, action: str = Action.VIEW) -> PromotionEvent:
    return _access(visible_events, actor, event_id, action, for_update=False, related=("dealer",),
                   not_found=_("No such event."))


def visible_invitations(actor, action: str = Action.VIEW):
    """Invitations to visible events of customers the actor may see."""
    return Invitation.objects.filter(event__in=visible_events(actor, action),
                                     customer__in=visible_customers(actor, action))


def access_invitation(actor, invitation_id, action: str = Action.VIEW) -> Invitation:
    return _access(visible_invitations, actor, invitation_id, action, for_update=False,
                   related=("event", "customer"), not_found=_("No such invitation."))
