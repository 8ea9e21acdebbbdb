"""The rewards catalogue: a list anyone serving members reads (``view_points``), and a manager's
form to add or change a reward (``manage_rewards`` at that dealer)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from retain.org.policy import Action, dealers_in_scope, picked_dealer, require
from retain.web.pages import post_and_redirect

from ..forms import RewardForm
from ..services import rewards
from ..services.rewards import FIELDS


def _may_manage(actor, dealer) -> bool:
    return dealers_in_scope(actor, Action.MANAGE_REWARDS).filter(pk=dealer.pk).exists()


@login_required
def catalogue(request):
    require(request.user, Action.VIEW_POINTS)
    dealer = picked_dealer(request.user, Action.VIEW_POINTS, request.GET.get("dealer"))
    items = rewards.catalogue(request.user, dealer.pk).order_by("-active", "points", "name", "id")
    return render(request, "loyalty/rewards.html", {
        "dealer": dealer, "rewards": items, "may_manage": _may_manage(request.user, dealer),
        "dealers": dealers_in_scope(request.user, Action.VIEW_POINTS).order_by("code")})


@login_required
def reward_new(request):
    require(request.user, Action.MANAGE_REWARDS)
    dealer = picked_dealer(request.user, Action.MANAGE_REWARDS, request.GET.get("dealer"))
    form = RewardForm(request.POST or None)
    if request.method == "POST":
        done = post_and_redirect(request, form, lambda data: rewards.create_reward(
            actor=request.user, dealer_id=dealer.pk, **{name: data[name] for name in FIELDS}),
            success=_("Reward added."), to=f"/loyalty/rewards/?dealer={dealer.code}")
        if done:
            return done
    return render(request, "loyalty/reward_form.html", {"form": form, "dealer": dealer, "reward": None},
                  status=422 if form.errors else 200)


@login_required
def reward_edit(request, reward_id):
    reward = rewards.editable(request.user, reward_id)
    dealer = reward.programme.dealer
    form = RewardForm(request.POST or None, instance=reward)
    if request.method == "POST":
        done = post_and_redirect(request, form, lambda data: rewards.update_reward(
            actor=request.user, reward_id=reward.pk, **{name: data[name] for name in FIELDS}),
            success=_("Reward saved."), to=f"/loyalty/rewards/?dealer={dealer.code}")
        if done:
            return done
    return render(request, "loyalty/reward_form.html", {"form": form, "dealer": dealer, "reward": reward},
                  status=422 if form.errors else 200)
