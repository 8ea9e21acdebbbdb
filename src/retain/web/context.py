"""Navigation by department and role.

``NAV`` is the one list of menu entries: each names its department, its page and the policy action
(``org.policy``) a user needs somewhere to see it. An entry shows when the user's role works in
that department (``org.policy.departments_of``) and the policy allows the action; a page a role has nothing to
do on is not offered. To point an entry at a finer action (sign a daily report, decide a defeat,
set targets, set the cadence, run events, see the audit log...), change its action here: nothing
else decides what the menu shows.
"""

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from retain.channels.access import my_notices
from retain.org.policy import Action, allowed, departments_of
from retain.web.templatetags.fast_url import fast_reverse

SALES, SERVICE, MARKETING, CUSTOMERS, ADMIN = "sales", "service", "marketing", "customers", "admin"

DEPARTMENT_LABELS = {
    SALES: _("Sales"),
    SERVICE: _("After-sales service"),
    MARKETING: pgettext_lazy("department", "Marketing"),
    CUSTOMERS: _("Customers"),
    ADMIN: _("Administration"),
}

@dataclass(frozen=True)
class NavEntry:
    department: str
    label: str
    url_name: str
    action: str  # the policy action the user needs somewhere for the entry to show
    at_a_dealer: bool = False  # a desk of one dealer's staff: not offered to a region or the group


NAV = (
    NavEntry(SALES, _("Today"), "sales:today", Action.VIEW),
    NavEntry(SALES, _("Prospects"), "sales:prospects", Action.VIEW),
    NavEntry(SALES, _("Walk-ins"), "sales:visits", Action.CREATE),
    NavEntry(SALES, _("Daily report"), "sales:daily_report", Action.READ_REPORTS),
    NavEntry(SALES, _("Showroom traffic"), "sales:traffic", Action.VIEW),
    NavEntry(SALES, _("Contact status"), "sales:contact_status", Action.VIEW),
    NavEntry(SALES, _("Targets"), "sales:targets", Action.VIEW),
    NavEntry(SALES, _("Funnel"), "sales:funnel", Action.VIEW),
    NavEntry(SALES, _("Lost-sale analysis"), "sales:lost_sales", Action.VIEW),
    NavEntry(SALES, _("Follow-up cadence"), "sales:cadence", Action.VIEW),
    NavEntry(SERVICE, _("Service desk"), "web:service", Action.VIEW, at_a_dealer=True),
    NavEntry(MARKETING, _("Marketing desk"), "web:marketing", Action.VIEW, at_a_dealer=True),
    NavEntry(MARKETING, _("Events"), "sales:events", Action.VIEW),
    NavEntry(CUSTOMERS, _("Customers"), "customers:list", Action.VIEW),
    NavEntry(CUSTOMERS, _("New customer"), "customers:create", Action.CREATE),
    # Outbound messages (channels): everyone who works with customers sees their outbox.
    NavEntry(CUSTOMERS, _("Outbox"), "channels:outbox", Action.VIEW_MESSAGES),
    NavEntry(MARKETING, _("Message templates"), "channels:templates", Action.MANAGE_TEMPLATES),
    NavEntry(ADMIN, _("Channel settings"), "channels:settings", Action.SET_CHANNELS),
    NavEntry(CUSTOMERS, _("Re-check the base"), "customers:recheck", Action.EDIT),
    # Care: the care calendar's tasks, the team's completion, the rules, VIP files.
    # (every role works with customers, so the care calendar's entries sit there, once each).
    NavEntry(CUSTOMERS, _("Care tasks"), "care:tasks", Action.VIEW_TASKS),
    NavEntry(CUSTOMERS, _("VIP files"), "care:vip_list", Action.VIEW),
    # Surveys (defs): the questionnaires are the marketing desk's; everyone may read them.
    NavEntry(MARKETING, _("Surveys"), "surveys:list", Action.VIEW_SURVEYS),
    NavEntry(ADMIN, _("Care tasks by person"), "care:team", Action.SET_CARE_RULES),
    NavEntry(ADMIN, _("Care rules"), "care:rules", Action.SET_CARE_RULES),
    # Surveys (invite): the invitations made (read as the answers are), and a dealer's sampling rules.
    NavEntry(CUSTOMERS, _("Survey invitations"), "surveys:invitations", Action.VIEW_RESULTS),
    NavEntry(ADMIN, _("Survey rules"), "surveys:rules", Action.SET_SURVEY_RULES),
    # Surveys (answer): flagged answers waiting for a manager's review.
    NavEntry(CUSTOMERS, _("Flagged answers"), "surveys:reviews", Action.REVIEW_RESPONSES),
    # Cases: complaints and suggestions, worked by whoever serves the customer.
    NavEntry(CUSTOMERS, _("Complaint cases"), "cases:list", Action.VIEW_CASES),
    NavEntry(ADMIN, _("Case settings"), "cases:settings", Action.SET_CASE_RULES),
    NavEntry(SERVICE, _("Complaint analysis"), "cases:analysis", Action.VIEW_CASES),
    NavEntry(MARKETING, _("Complaint analysis"), "cases:analysis", Action.VIEW_CASES),
    # Cases (blacklist): whom not to contact, and the proposals awaiting a manager.
    NavEntry(CUSTOMERS, _("Blacklist"), "cases:blacklist", Action.VIEW_BLACKLIST),
    NavEntry(ADMIN, _("Reassign customers"), "customers:reassign", Action.REASSIGN),
    NavEntry(ADMIN, _("Import customers"), "customers:imports", Action.IMPORT),
    NavEntry(ADMIN, _("Audit log"), "org:audit", Action.AUDIT),
    # Surveys (analysis): the results pages, for marketing (who runs the surveys) and after-sales
    # (whose CSS they mostly are).
    NavEntry(MARKETING, _("Survey results"), "surveys:results", Action.VIEW_RESULTS),
    NavEntry(SERVICE, _("Survey results"), "surveys:results", Action.VIEW_RESULTS),
    # Cases (lost owners): whoever works with customers sees the lost owners in their scope.
    NavEntry(CUSTOMERS, _("Lost owners"), "cases:lost_list", Action.VIEW_LOST_OWNERS),
    # Loyalty (rewards): the desk for whoever hands rewards over at a dealer; the catalogue for
    # everyone who sees points (its managers edit it from there).
    NavEntry(SERVICE, _("Points desk"), "loyalty:desk", Action.REDEEM_POINTS, at_a_dealer=True),
    NavEntry(SALES, _("Points desk"), "loyalty:desk", Action.REDEEM_POINTS, at_a_dealer=True),
    NavEntry(CUSTOMERS, _("Rewards catalogue"), "loyalty:rewards", Action.VIEW_POINTS),
    # Loyalty (referrals, clubs): the owners whose word brings customers, and the owners' clubs.
    NavEntry(MARKETING, _("Influence centres"), "loyalty:influence", Action.VIEW_REFERRALS),
    NavEntry(SALES, _("Influence centres"), "loyalty:influence", Action.VIEW_REFERRALS),
    NavEntry(MARKETING, _("Owners' clubs"), "loyalty:clubs", Action.MANAGE_CLUBS),
    # Loyalty (partners, liability): the coalition partners' settlements and the points owed.
    NavEntry(ADMIN, _("Coalition partners"), "loyalty:partners", Action.VIEW_LIABILITY),
    NavEntry(ADMIN, _("Points liability"), "loyalty:liability", Action.VIEW_LIABILITY),
    # Loyalty: the programme's earning rules and tiers, set by the dealer's managers and marketing.
    NavEntry(ADMIN, _("Points rules and tiers"), "loyalty:rules", Action.SET_POINTS_RULES),
)


def menu_for(user) -> list[dict]:
    """The user's menu: one group per department they work in, each with the entries they may use."""
    if user is None or not user.is_authenticated:
        return []
    departments = departments_of(user)
    groups = []
    for department in departments:
        entries = [e for e in NAV if e.department == department and allowed(user, e.action)
                   and (user.dealer_id or not e.at_a_dealer)]
        if entries:
            groups.append({"department": department, "label": DEPARTMENT_LABELS[department], "entries": entries})
    return groups


def navigation(request):
    """The user's menu as HTML (``web/_menu.html``), marking the page they are on."""
    user = getattr(request, "user", None)
    current = request.resolver_match.view_name if getattr(request, "resolver_match", None) else ""
    menu = tuple((group["department"], tuple(group["entries"])) for group in menu_for(user))
    return {"navigation": _written(menu, current, get_language(), get_script_prefix(),
                                   get_urlconf() or settings.ROOT_URLCONF)}


@lru_cache(maxsize=1024)
def _written(menu: tuple, current: str, language: str, prefix: str, urlconf: str) -> str:
    """The menu's HTML for these entries on this page, in this language and under this path
    prefix: it depends on nothing else, so it is written once per process and reused by every
    request that asks the same (writing its 20 to 40 links was 4% of a page's CPU)."""
    return render_to_string("web/_menu.html", {"navigation": [
        {"label": DEPARTMENT_LABELS[department],
         "items": [{"label": e.label, "url": fast_reverse(e.url_name, []), "active": current == e.url_name}
                   for e in entries]}
        for department, entries in menu]})


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    """Written menus follow a change of languages, catalogues or templates (tests make some)."""
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "TEMPLATES", "INSTALLED_APPS"}:
        _written.cache_clear()


def notices(request):
    """The user's unread notices, counted only if a page shows the count (the header does)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": SimpleLazyObject(lambda: my_notices(user).filter(read_at__isnull=True).count())}
