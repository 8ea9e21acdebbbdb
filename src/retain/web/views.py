"""The shell's pages: ``/`` sends each role to its own work, and the start pages of the roles whose
work spans apps (a showroom's managers, after-sales, marketing, a region or group). Thin: the
figures come from ``web.homes``."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from retain.org.policy import Action, Scope, scope_of, start_page

from . import homes


@login_required
def home(request):
    """Send each role to its start page (after login and at ``/``)."""
    return redirect(start_page(request.user))


def _dealer_desk(request):
    """The desks of one dealer's staff need a dealer and at least a dealer's view of its records."""
    if not request.user.dealer_id or scope_of(request.user, Action.VIEW) < Scope.DEALER:
        raise Http404


@login_required
def manager(request):
    """A showroom manager's (sales manager's, general manager's) today."""
    _dealer_desk(request)
    return render(request, "web/home_manager.html", homes.manager(request.user))


@login_required
def service(request):
    """The after-sales desk."""
    _dealer_desk(request)
    return render(request, "web/home_service.html", homes.service(request.user))


@login_required
def marketing(request):
    """The marketing desk."""
    _dealer_desk(request)
    return render(request, "web/home_marketing.html", homes.marketing(request.user))


@login_required
def dealers(request):
    """A region's or the group's dealers side by side."""
    if scope_of(request.user, Action.VIEW) < Scope.REGION:
        raise Http404
    return render(request, "web/home_dealers.html", homes.dealers(request.user))
