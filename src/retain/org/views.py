"""Organisation pages: the reassignment screen and the audit log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from retain.customers import services
from retain.customers.forms import ReassignForm, apply_errors

from .models import AuditEvent, Staff
from .policy import Action, Scope, allowed, scope_filter, scope_of


def visible_audit_events(actor):
    """Audit rows within the actor's audit scope; rows not tied to a dealer are group-level."""
    condition = scope_filter(actor, Action.AUDIT, owner="actor")
    if condition is None:
        return AuditEvent.objects.none()
    if scope_of(actor, Action.AUDIT) is Scope.GROUP:
        condition |= Q(dealer__isnull=True)
    return AuditEvent.objects.filter(condition)


@login_required
def reassign(request):
    """Move a departing consultant's customers to colleagues (all or chosen ones), round-robin."""
    if not allowed(request.user, Action.REASSIGN):
        raise PermissionDenied(_("You may not reassign customers."))
    form = ReassignForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.reassign_portfolio(actor=request.user, from_owner_id=data["from_owner"],
                                               to_owner_ids=data["to_owners"], note=data["note"],
                                               customer_ids=data["customer_ids"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            names = {s.pk: s.display_name for s in Staff.objects.filter(pk__in=plan)}
            messages.success(request, _("Reassigned %(n)d customers: %(split)s.") % {
                "n": sum(len(ids) for ids in plan.values()),
                "split": ", ".join(f"{names[pk]} {len(ids)}" for pk, ids in plan.items()),
            })
            return redirect("org:reassign")
    return render(request, "org/reassign.html", {"form": form})


@login_required
def audit_log(request):
    if not allowed(request.user, Action.AUDIT):
        raise PermissionDenied(_("You may not read the audit log."))
    events = visible_audit_events(request.user).select_related("actor", "dealer")
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "org/audit.html", {"page": page, "action": action})
