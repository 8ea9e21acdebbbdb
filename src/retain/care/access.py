"""The doors to care records: the policy table applied to each record's dealer and the person it
belongs to (a task's owner, a VIP file's consultant).

A consultant or service advisor sees and works only their own tasks; the dealer's managers see
and work the dealer's (those of unassigned customers too); marketing and those above a dealer
see them. Outside the scope a record answers 404; seen but not allowed, 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org.policy import Action, Scope, refusal, scope_filter, scope_of

from .models import Task, VipFile


def visible_tasks(actor, action: str = Action.VIEW_TASKS):
    condition = scope_filter(actor, action)
    return Task.objects.none() if condition is None else Task.objects.filter(condition)


def access_task(actor, task_id, action: str = Action.VIEW_TASKS, *, for_update: bool = False) -> Task:
    """One task for ``action``: 404 unless the actor may see it, 403 if seen but not allowed."""
    try:
        task_id = int(task_id)
    except (TypeError, ValueError):
        raise Http404(_("No such task."))
    if not visible_tasks(actor).filter(pk=task_id).exists():
        raise Http404(_("No such task."))
    allowed = visible_tasks(actor, action).filter(pk=task_id)
    if for_update:
        allowed = allowed.select_for_update(of=("self",))
    task = allowed.select_related("customer", "dealer", "owner", "vehicle", "done_by").first()
    if task is None:
        raise PermissionDenied(refusal(action))
    return task


def visible_vip_files(actor, action: str = Action.VIEW):
    """VIP files in scope: a consultant's own (those naming them), a manager's dealer's, ..."""
    condition = scope_filter(actor, action, owner="consultant")
    return VipFile.objects.none() if condition is None else VipFile.objects.filter(condition)


def access_vip_file(actor, customer_id, action: str = Action.VIEW) -> VipFile:
    """The VIP file of a customer, for ``action`` (404 out of sight, 403 seen but not allowed)."""
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        raise Http404(_("No such VIP file."))
    if not visible_vip_files(actor).filter(customer_id=customer_id).exists():
        raise Http404(_("No such VIP file."))
    found = (visible_vip_files(actor, action).filter(customer_id=customer_id)
             .select_related("customer", "dealer", "consultant", "manager").first())
    if found is None:
        raise PermissionDenied(refusal(action))
    return found


def vip_file_on_card(actor, customer) -> VipFile | None:
    """The VIP file of a customer the actor has already opened through the customers' door, if
    they may see it: with a dealer's view or wider the file is at the customer's dealer, so in
    sight; with their own records only, it must name them as its consultant. One query."""
    vip = VipFile.objects.filter(customer=customer).first()
    if vip is None or (scope_of(actor, Action.VIEW) is Scope.OWN and vip.consultant_id != actor.pk):
        return None
    return vip
