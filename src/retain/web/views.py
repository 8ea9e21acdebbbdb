"""The shell's pages: ``/`` shows each role its own work, and the start pages of the roles whose
work spans apps (a showroom's managers, after-sales, marketing, a region or group). Thin: the
figures come from ``web.homes``."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import resolve, reverse
from django.views.decorators.http import require_safe

from retain.org.policy import Action, Scope, scope_of, start_page

from . import homes


@login_required
@require_safe
def home(request):
    """Each role's start page, served at ``/`` itself (where signing in lands, and where the
    header's brand and "My desk" link): a redirect cost every arrival a second round trip, a
    second request's work and, on a busy server, a second wait in its queue. The page is the start
    page's own view, marked as that page in the menu; its links and forms name their own
    addresses."""
    match = resolve(reverse(start_page(request.user)))
    request.resolver_match = match
    return match.func(request, *match.args, **match.kwargs)


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
