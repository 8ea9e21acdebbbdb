"""Organisation pages: the audit log. (Reassigning customers is a customers page.)"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from . import audit_display
from .models import AuditEvent
from .policy import Action, Scope, require, scope_filter, scope_of


def visible_audit_events(actor):
    """Audit rows within the actor's audit scope; rows not tied to a dealer are group-level."""
    condition = scope_filter(actor, Action.AUDIT, owner="actor")
    if condition is None:
        return AuditEvent.objects.none()
    if scope_of(actor, Action.AUDIT) is Scope.GROUP:
        condition |= Q(dealer__isnull=True)
    return AuditEvent.objects.filter(condition)


@login_required
def audit_log(request):
    require(request.user, Action.AUDIT)
    events = visible_audit_events(request.user).select_related("actor", "dealer")
    action = request.GET.get("action", "").strip()
    if action:  # a code, or a prefix such as "customer." for every customer action
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "org/audit.html", {"page": page, "entries": audit_display.present(page), "action": action,
                                              "codes": audit_display.code_choices()})
