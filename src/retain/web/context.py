"""Navigation by role: each entry shows only if the user's role may do its action somewhere."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from retain.org.policy import Action, allowed

_ENTRIES = (
    (_("Today"), "sales:today", Action.VIEW),
    (_("Prospects"), "sales:prospects", Action.VIEW),
    (_("Walk-ins"), "sales:visits", Action.CREATE),
    (_("Daily report"), "sales:daily_report", Action.READ_REPORTS),
    (_("Showroom"), "sales:traffic", Action.VIEW),
    (_("Contact status"), "sales:contact_status", Action.VIEW),
    (_("Targets"), "sales:targets", Action.VIEW),
    (_("Events"), "sales:events", Action.VIEW),
    (_("Customers"), "customers:list", Action.VIEW),
    (_("New customer"), "customers:create", Action.CREATE),
    (_("Reassign customers"), "customers:reassign", Action.REASSIGN),
    (_("Audit log"), "org:audit", Action.AUDIT),
)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {
        "navigation": [
            {"label": label, "url": reverse(name), "active": current == name}
            for label, name, action in _ENTRIES
            if allowed(user, action)
        ]
    }
