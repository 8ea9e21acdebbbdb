"""The loyalty pages: a programme's earning rules, tiers and exclusions (read by whoever sees the
dealer's points, changed by ``set_points_rules``)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from retain.org.policy import Action, allowed, dealers_in_scope, picked_dealer, require
from retain.web.pages import post_and_redirect

from ..forms import RulesForm
from ..models.rules import TRIGGERS
from ..services import rules as rules_service


@login_required
def programme_rules(request):
    """The dealer's rules and tiers: the form (for those who may change them) and its post."""
    action = Action.SET_POINTS_RULES if request.method == "POST" or allowed(
        request.user, Action.SET_POINTS_RULES) else Action.VIEW_POINTS
    require(request.user, action)
    dealer = picked_dealer(request.user, action, request.GET.get("dealer") or request.POST.get("dealer"))
    current = rules_service.read_for(dealer.pk)
    form = RulesForm(request.POST or None, initial=RulesForm.initial_from(current), tier_count=len(current["tiers"]))
    if request.method == "POST":
        done = post_and_redirect(request, form, lambda _data: rules_service.set_rules(
            actor=request.user, dealer_id=dealer.pk, **form.changes()), success=_("Points rules saved."),
            to=f"{reverse('loyalty:rules')}?dealer={dealer.code}")
        if done:
            return done
    return render(request, "loyalty/rules.html", {
        "form": form, "rows": form.rows(), "dealer": dealer, "current": current, "labels": dict(TRIGGERS),
        "editable": action == Action.SET_POINTS_RULES,
        "dealers": dealers_in_scope(request.user, action).order_by("code")},
        status=422 if form.is_bound else 200)
