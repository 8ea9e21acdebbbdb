"""Who may do what to whose records: the policy table (action x role -> scope).

A scope says how far from the actor a record may be: their own records (``own``: the actor
owns it), their dealer's, their region's, or the whole group's. Scopes nest, so a wider scope
includes every narrower one. Unassigned records (no owner) are therefore visible from dealer
scope upward but never to someone whose scope is ``own``: a consultant sees only the customers
they own, while their managers see unassigned ones and can hand them out.

This table is the single source of the rules: no view, form, service or template keeps a list
of roles of its own, and every refusal names the action by its label (``refusal``).
``tests/org/policy_expected.csv`` restates the rules independently so that a change here that
was not meant shows up as a failing cell.

Adding an action is two lines: a member of ``Action`` (its value and label) and its row in
``_TABLE`` (a scope per role, in the order of ``ROLES``); then its rows in the expected matrix
and a driver in ``tests/org/test_permissions.py``.
"""

from enum import IntEnum

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import DepartmentKind, Role, Staff


class Scope(IntEnum):
    NONE = 0
    OWN = 1
    DEALER = 2
    REGION = 3
    GROUP = 4

    @property
    def label(self):
        return SCOPE_LABELS[self]


SCOPE_LABELS = {
    Scope.NONE: _("none"),
    Scope.OWN: _("own records"),
    Scope.DEALER: _("same dealer"),
    Scope.REGION: _("same region"),
    Scope.GROUP: _("whole group"),
}


class Action(models.TextChoices):
    """What staff do. A label is a verb phrase: refusals read "You may not <label>."."""

    # Customers (and what hangs off a customer)
    VIEW = "view", _("view customer records")  # read lists, detail, search, counts
    CREATE = "create", _("add customers")  # add a customer (consultants: owned by themselves)
    EDIT = "edit", _("edit customer records")  # change profile, vehicles, transactions, consent, classification
    REVEAL = "reveal", _("reveal personal data")  # one unmasked mobile/ID number at a time, with a reason
    EXPORT = "export", _("export customer lists")  # download customer lists (masked), audit-logged
    MERGE = "merge", _("merge duplicate customers")
    REASSIGN = "reassign", _("reassign customers")  # move customers (and their open prospects) between owners
    HISTORY = "history", _("see the change history of a customer")  # the card's timeline of audit rows
    AUDIT = "audit", _("read the audit log")
    # Sales
    WRITE_REPORT = "write_report", _("write a daily business report")  # a consultant's own 营业日报表
    READ_REPORTS = "read_reports", _("read daily business reports")
    SIGN_REPORT = "sign_report", _("sign daily business reports")
    DECIDE_DEFEAT = "decide_defeat", _("decide on lost sales")  # approve a defeat or send it back
    SET_TARGETS = "set_targets", _("set sales targets")
    SET_CADENCE = "set_cadence", _("set the follow-up cadence")
    RUN_EVENTS = "run_events", _("organise promotion events")
    EXPORT_CONTACTS = "export_contacts", _("export the contact-status table")  # 意向客户接触状况表 as .xlsx
    # Outbound messages (channels)
    VIEW_MESSAGES = "view_messages", _("see messages to customers")  # outbox, message detail, the API
    SEND_MESSAGES = "send_messages", _("send messages to customers")  # mark an outbox message sent, write one, retry
    MANAGE_TEMPLATES = "manage_templates", _("edit message templates")
    SET_CHANNELS = "set_channels", _("set a dealer's message channels and rules")
    # Customer imports (customers/imports)
    IMPORT = "import_customers", _("import customers from a file")  # CSV/XLSX into a dealer, as one batch
    UNDO_IMPORT = "undo_import", _("undo an import")  # remove a batch's new records, restore what it changed
    # Care (the care calendar's tasks, its rules, VIP files)
    VIEW_TASKS = "view_tasks", _("see care tasks")  # lists, completion by person
    WORK_TASKS = "work_tasks", _("work on care tasks")  # record an outcome, add a manual task
    EXPORT_TASKS = "export_tasks", _("export care tasks")
    SET_CARE_RULES = "set_care_rules", _("set the care calendar's rules")
    MANAGE_VIP = "manage_vip", _("manage VIP files")  # open and change a VIP's file, credit referrals
    # Surveys (defs): survey definitions, their versions and presets
    VIEW_SURVEYS = "view_surveys", _("see surveys")  # the list, a survey's questions and versions, the API
    MANAGE_SURVEYS = "manage_surveys", _("edit surveys")  # install presets, copy for a dealer, edit, (de)activate
    # Surveys (invite)
    INVITE = "invite", _("invite customers to a survey")  # a link by message, a QR code, the API
    SET_SURVEY_RULES = "set_survey_rules", _("set survey sampling and triggers")  # a dealer's rules and settings
    # Surveys (analysis): the results pages, their API and their exports
    VIEW_RESULTS = "view_results", _("see survey answers and results")
    EXPORT_RESULTS = "export_results", _("export survey results")
    # Surveys (answer)
    REVIEW_RESPONSES = "review_responses", _("review flagged answers")  # keep or exclude a flagged response
    # Cases (complaints and suggestions)
    VIEW_CASES = "view_cases", _("see complaint cases")  # the queues, a case and its steps, the API
    WORK_CASES = "work_cases", _("work complaint cases")  # open a case, record its steps, close it
    ASSIGN_CASES = "assign_cases", _("assign complaint cases")  # hand a case to another owner
    SET_CASE_RULES = "set_case_rules", _("set case deadlines and root causes")  # a dealer's case settings
    APPROVE_COMPENSATION = "approve_compensation", _("approve compensation")  # above the dealer's threshold
    # Cases (blacklist)
    VIEW_BLACKLIST = "view_blacklist", _("see the blacklist")  # the list, an entry, the API
    PROPOSE_BLACKLIST = "propose_blacklist", _("propose a customer for the blacklist")
    DECIDE_BLACKLIST = "decide_blacklist", _("decide on blacklist entries")  # approve, reject, lift
    # Cases (lost owners and win-back)
    VIEW_LOST_OWNERS = "view_lost_owners", _("see lost owners")  # the list, one lost owner, the analysis, the API
    RECORD_LOST_OWNERS = "record_lost_owners", _("record lost owners and win them back")  # record, confirm,
    # dismiss, log a win-back step, mark won back
    # Loyalty (the points ledger)
    VIEW_POINTS = "view_points", _("see members' points")  # balance, pending, entries; the API
    EARN_POINTS = "earn_points", _("credit points earned")  # at the desk, for a customer in sight
    REDEEM_POINTS = "redeem_points", _("redeem points")  # spend, reserve, post or release a reservation
    ADJUST_POINTS = "adjust_points", _("adjust, move and reverse points")  # with a reason; managers
    MANAGE_REWARDS = "manage_rewards", _("manage the rewards catalogue")  # a dealer action
    # Loyalty (referrals, influence centres, owners' clubs)
    VIEW_REFERRALS = "view_referrals", _("see referrals and influence centres")  # card section, list, API
    RECORD_REFERRALS = "record_referrals", _("record referrals")  # give a code, link a referred customer
    MANAGE_CLUBS = "manage_clubs", _("manage owners' clubs")  # clubs, members, club events, attendance
    MANAGE_PARTNERS = "manage_partners", _("manage coalition partners and their settlements")  # a dealer action
    REVERSE_PARTNER_MOVEMENTS = "reverse_partner_movements", _("reverse coalition partners' movements")  # a dealer action
    VIEW_LIABILITY = "view_liability", _("see the points liability and breakage")  # a dealer report
    SET_POINTS_RULES = "set_points_rules", _("set the points programme's rules and tiers")  # a dealer action


N, O, D, R, G = Scope.NONE, Scope.OWN, Scope.DEALER, Scope.REGION, Scope.GROUP  # noqa: E741 (the table's letters)

#: The columns of ``_TABLE``.
ROLES = (Role.CONSULTANT, Role.SHOWROOM_MANAGER, Role.SALES_MANAGER, Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER,
         Role.MARKETING, Role.DEALER_GM, Role.REGION_MANAGER, Role.GROUP_ADMIN)

# Roles: consultant, showroom manager, sales manager, service advisor, service manager, marketing,
# dealer general manager, region manager, group administrator.
#                            con shw sal adv svm mkt gm  reg grp
_TABLE = {
    Action.VIEW:            (O,  D,  D,  D,  D,  D,  D,  R,  G),
    Action.CREATE:          (O,  D,  D,  D,  D,  D,  D,  N,  G),
    Action.EDIT:            (O,  D,  D,  D,  D,  N,  D,  R,  G),
    Action.REVEAL:          (O,  D,  D,  D,  D,  N,  D,  R,  G),
    Action.EXPORT:          (N,  D,  D,  N,  D,  D,  D,  R,  G),
    Action.MERGE:           (N,  D,  D,  N,  D,  N,  D,  R,  G),
    Action.REASSIGN:        (N,  D,  D,  N,  D,  N,  D,  R,  G),
    # The card's timeline is the audit log of one customer: whoever reads the log reads it.
    Action.HISTORY:         (N,  D,  D,  N,  D,  N,  D,  R,  G),
    Action.AUDIT:           (N,  D,  D,  N,  D,  N,  D,  R,  G),
    # The daily report is the consultant's; the showroom's managers read and sign it, those
    # above them read it. After-sales and marketing have no part in it.
    Action.WRITE_REPORT:    (O,  N,  N,  N,  N,  N,  N,  N,  N),
    Action.READ_REPORTS:    (O,  D,  D,  N,  N,  N,  D,  R,  G),
    Action.SIGN_REPORT:     (N,  D,  D,  N,  N,  N,  D,  N,  N),
    Action.DECIDE_DEFEAT:   (N,  D,  D,  N,  N,  N,  D,  N,  N),
    Action.SET_TARGETS:     (N,  D,  D,  N,  N,  N,  D,  R,  G),
    Action.SET_CADENCE:     (N,  D,  D,  N,  N,  N,  D,  R,  G),
    Action.RUN_EVENTS:      (N,  D,  D,  N,  D,  D,  D,  R,  G),
    # The contact-status table is the consultant's own working paper: they export theirs.
    Action.EXPORT_CONTACTS: (O,  D,  D,  N,  D,  D,  D,  R,  G),
    # Messages are seen as their customers are; whoever works with the customer at the dealer
    # may send the outbox's messages by hand. Templates are the marketing desk's; the channels
    # (gateway secret, quiet hours, caps) the dealer's general manager's.
    Action.VIEW_MESSAGES:   (O,  D,  D,  D,  D,  D,  D,  R,  G),
    Action.SEND_MESSAGES:   (O,  D,  D,  D,  D,  D,  D,  N,  N),
    Action.MANAGE_TEMPLATES:(N,  N,  N,  N,  N,  D,  D,  R,  G),
    Action.SET_CHANNELS:    (N,  N,  N,  N,  N,  N,  D,  R,  G),
    # Imports bring a dealer's base in (and can change records at that dealer), so they are a
    # manager's act at their dealer, as adding customers is for the region (none) and the group.
    Action.IMPORT:          (N,  D,  D,  N,  D,  N,  D,  N,  G),
    Action.UNDO_IMPORT:     (N,  D,  D,  N,  D,  N,  D,  N,  G),
    # Care tasks are owned by a consultant or a service advisor, who work their own; the dealer's
    # managers work any of the dealer's (and take the unassigned customers'). Marketing and those
    # above the dealer watch the calendar but do not work it. Rules are the managers'; VIP files
    # belong to the showroom's managers and marketing (the consultant named on one sees it).
    Action.VIEW_TASKS:      (O,  D,  D,  O,  D,  D,  D,  R,  G),
    Action.WORK_TASKS:      (O,  D,  D,  O,  D,  N,  D,  N,  N),
    Action.EXPORT_TASKS:    (O,  D,  D,  O,  D,  D,  D,  R,  G),
    Action.SET_CARE_RULES:  (N,  D,  D,  N,  D,  N,  D,  R,  G),
    Action.MANAGE_VIP:      (N,  D,  D,  N,  N,  D,  D,  R,  G),
    # Surveys (defs): a survey definition is the dealer's (or the group's, which every dealer
    # reads), so every role reads those of its dealer. Writing the questionnaires is the marketing
    # desk's and the general manager's at a dealer, the region's and the group's for theirs; a
    # group survey is edited only with the group's scope (a dealer edits its own copy instead).
    Action.VIEW_SURVEYS:    (D,  D,  D,  D,  D,  D,  D,  R,  G),
    Action.MANAGE_SURVEYS:  (N,  N,  N,  N,  N,  D,  D,  R,  G),
    # Surveys (invite): whoever serves a customer at the dealer may ask them to a survey (a
    # consultant or advisor their own customers; the dealer's desks any of the dealer's); those
    # above the dealer read the results but do not contact customers. Sampling and triggers are
    # the dealer's managers' and marketing's, and the region's and group's for theirs.
    Action.INVITE:          (O,  D,  D,  O,  D,  D,  D,  N,  N),
    Action.SET_SURVEY_RULES:(N,  D,  D,  N,  D,  D,  D,  R,  G),
    # Surveys (analysis): a consultant or service advisor sees the answers of the customers they
    # served (their own score card); the dealer's managers and marketing their dealer's, those
    # above the dealer theirs. Exports leave the system, so they are the managers' (not the
    # people whose own scores they are).
    Action.VIEW_RESULTS:    (O,  D,  D,  O,  D,  D,  D,  R,  G),
    Action.EXPORT_RESULTS:  (N,  D,  D,  N,  D,  D,  D,  R,  G),
    # Surveys (answer): a flagged answer (the dealer's own network, a staff session, too fast...)
    # is kept or excluded by the dealer's managers and marketing (who run the surveys), and by the
    # region and group for theirs; never by the consultant or advisor who served the customer:
    # whoever is scored must not decide which of their answers count.
    Action.REVIEW_RESPONSES:(N,  D,  D,  N,  D,  D,  D,  R,  G),
    # Cases: whoever serves customers works the cases they own (a consultant a sales complaint, an
    # advisor a service one); the dealer's managers and marketing (complaints on social media) work
    # any of the dealer's. Those above the dealer watch the queues but do not call customers.
    # Handing a case to someone else, and the deadlines and root causes, are the managers'.
    Action.VIEW_CASES:      (O,  D,  D,  O,  D,  D,  D,  R,  G),
    Action.WORK_CASES:      (O,  D,  D,  O,  D,  D,  D,  N,  N),
    Action.ASSIGN_CASES:    (N,  D,  D,  N,  D,  N,  D,  N,  N),
    Action.SET_CASE_RULES:  (N,  D,  D,  N,  D,  N,  D,  R,  G),
    # Compensation above the dealer's threshold is approved by the dealer's managers (never by who
    # offered it: the service refuses that), as handing a case on is.
    Action.APPROVE_COMPENSATION:(N, D, D,  N,  D,  N,  D,  N,  N),
    # Cases (blacklist): an entry belongs to the person who proposed it. Whoever serves a customer
    # proposes (a consultant or advisor their own customers, the dealer's desks any of the
    # dealer's), as they invite to surveys; those above the dealer do not serve customers. The
    # list is read by the dealer's managers and marketing (who must know whom not to contact), and
    # by the region and group for theirs; a consultant or advisor reads the entries they proposed.
    # Approving, rejecting and lifting are a manager's: the dealer's managers and general manager,
    # the region's and group's for theirs; marketing proposes and reads but does not decide, and
    # the service layer refuses a proposer deciding their own proposal (four eyes).
    Action.VIEW_BLACKLIST:  (O,  D,  D,  O,  D,  D,  D,  R,  G),
    Action.PROPOSE_BLACKLIST:(O, D,  D,  O,  D,  D,  D,  N,  N),
    Action.DECIDE_BLACKLIST:(N,  D,  D,  N,  D,  N,  D,  R,  G),
    # Cases (lost owners): an owner who left is the loss of whoever served them. A consultant or
    # service advisor sees and works the lost owners among their own customers (owned or served);
    # the dealer's managers the dealer's (the unassigned customers' too), marketing sees them to
    # plan win-back offers but does not decide who is lost; those above the dealer read the
    # losses and the success rate of their dealers, and do not contact customers.
    Action.VIEW_LOST_OWNERS:  (O,  D,  D,  O,  D,  D,  D,  R,  G),
    Action.RECORD_LOST_OWNERS:(O,  D,  D,  O,  D,  N,  D,  N,  N),
    # Loyalty: points are the customer's, seen as the customer is. Whoever serves customers at the
    # desk (a consultant their own, the service desk and the dealer's managers the dealer's)
    # credits earned points and redeems them; marketing and those above the dealer read balances
    # but do not hand points out. Adjusting, moving points between members and reversing a
    # transfer create or remove value by hand, so they are the dealer's managers' (four eyes come
    # with the goodwill approval the cases app already has).
    Action.VIEW_POINTS:     (O,  D,  D,  D,  D,  D,  D,  R,  G),
    Action.EARN_POINTS:     (O,  D,  D,  D,  D,  N,  D,  N,  N),
    Action.REDEEM_POINTS:   (O,  D,  D,  D,  D,  N,  D,  N,  N),
    Action.ADJUST_POINTS:   (N,  D,  D,  N,  D,  N,  D,  N,  N),
    # The rewards catalogue is the dealer's offer (what it costs, how many there are): its
    # managers, marketing (who plans it as a promotion) and the general manager keep it, the region
    # and group theirs'. The desk reads it (view_points) and orders from it (redeem_points).
    Action.MANAGE_REWARDS:  (N,  D,  D,  N,  D,  D,  D,  R,  G),
    # Referrals are seen as points are (whoever sees the member); recording one sets the customer's
    # "referred by" (an edit of the record), so it is for those who edit and handle points at the
    # dealer. Clubs are events with a membership: whoever organises promotion events runs them.
    Action.VIEW_REFERRALS:  (O,  D,  D,  D,  D,  D,  D,  R,  G),
    Action.RECORD_REFERRALS:(O,  D,  D,  D,  D,  N,  D,  N,  N),
    Action.MANAGE_CLUBS:    (N,  D,  D,  N,  D,  D,  D,  R,  G),
    # Loyalty (partners, liability): coalition partners are agreements with money attached, so
    # adding one, recording its movements by hand and closing its months are the dealer's
    # managers' (the partner's own till records through the API as the partner's agent, checked
    # by the service). The liability and settlements are money owed: the dealer's managers and
    # those above the dealer read them; the desks and marketing do not. Reversing a partner's
    # movement takes points from a member (or gives them back) and changes what the partner is
    # owed, so it is the dealer's managers' as adjusting points is; never the partner's own agent,
    # whatever its role (the service refuses it: a till does not undo what it recorded).
    Action.MANAGE_PARTNERS: (N,  D,  D,  N,  D,  N,  D,  N,  N),
    Action.REVERSE_PARTNER_MOVEMENTS: (N, D, D, N, D, N, D, N, N),
    Action.VIEW_LIABILITY:  (N,  D,  D,  N,  D,  N,  D,  R,  G),
    # The programme's earning rules, tiers and exclusions are a dealer's settings: its managers'
    # and the marketing desk's (which runs the member programme), the region's and group's for theirs.
    Action.SET_POINTS_RULES:(N,  D,  D,  N,  D,  D,  D,  R,  G),
}  # fmt: skip

if set(_TABLE) != set(Action) or any(len(row) != len(ROLES) for row in _TABLE.values()):
    raise ImproperlyConfigured("The policy table needs one row per action and one scope per role.")

POLICY: dict[tuple[str, str], Scope] = {
    (role, action): scope for action, scopes in _TABLE.items() for role, scope in zip(ROLES, scopes)
}


# Where each role works: the page it starts on (a URL name) and the departments whose menus it is
# shown, in menu order. These decide no permission (each menu entry still needs its action in the
# table above); they live here so that no other module keeps a list of roles.
#                          start page       departments
_WORKPLACES = {
    Role.CONSULTANT:       ("sales:today",  ("sales", "customers")),
    Role.SHOWROOM_MANAGER: ("web:manager",  ("sales", "customers", "admin")),
    Role.SALES_MANAGER:    ("web:manager",  ("sales", "customers", "admin")),
    Role.SERVICE_ADVISOR:  ("web:service",  ("service", "customers")),
    Role.SERVICE_MANAGER:  ("web:service",  ("service", "customers", "admin")),
    Role.MARKETING:        ("web:marketing", ("marketing", "customers")),
    Role.DEALER_GM:        ("web:manager",  ("sales", "service", "marketing", "customers", "admin")),
    Role.REGION_MANAGER:   ("web:dealers",  ("sales", "service", "marketing", "customers", "admin")),
    Role.GROUP_ADMIN:      ("web:dealers",  ("sales", "service", "marketing", "customers", "admin")),
}  # fmt: skip

if set(_WORKPLACES) != set(ROLES):
    raise ImproperlyConfigured("Every role needs a start page and its departments.")


# Who takes a department's work that nobody owns (a care task of a customer without a consultant
# or service advisor, or whose one has left): the first of these roles the dealer has, the
# longest-serving (lowest id) of that role. It grants no permission.
STAND_INS = {
    DepartmentKind.SALES:   (Role.SALES_MANAGER, Role.SHOWROOM_MANAGER, Role.DEALER_GM),
    DepartmentKind.SERVICE: (Role.SERVICE_MANAGER, Role.DEALER_GM),
}  # fmt: skip


def stand_ins(dealer_ids) -> dict[int, dict[str, int | None]]:
    """Per dealer and department (sales, after-sales), the active staff member who takes its work
    that nobody owns, or None."""
    found: dict[int, dict[str, int]] = {}
    wanted = {role for roles in STAND_INS.values() for role in roles}
    for pk, dealer_id, role in (Staff.objects.filter(dealer_id__in=dealer_ids, is_active=True, role__in=wanted)
                                .order_by("-id").values_list("pk", "dealer_id", "role")):
        found.setdefault(dealer_id, {})[role] = pk  # the lowest id of each role is written last
    return {dealer_id: {department: next((found[dealer_id][role] for role in roles if role in found.get(dealer_id, {})),
                                         None) for department, roles in STAND_INS.items()}
            for dealer_id in dealer_ids}


# Whom a late case is escalated to (cases' hourly job): the managers of the case's department
# first, then the general manager (``DepartmentKind.MANAGEMENT``). It grants no permission.
ESCALATION = {
    DepartmentKind.SALES:      (Role.SALES_MANAGER, Role.SHOWROOM_MANAGER),
    DepartmentKind.SERVICE:    (Role.SERVICE_MANAGER,),
    DepartmentKind.MANAGEMENT: (Role.DEALER_GM,),
}  # fmt: skip


def escalation_staff(dealer_id: int, department: str, *, except_id: int | None = None) -> list[Staff]:
    """The active staff at the dealer a late case of ``department`` (a ``DepartmentKind``) is
    escalated to, never ``except_id`` (the case's owner); none for a department without managers."""
    return list(Staff.objects.filter(dealer_id=dealer_id, is_active=True, role__in=ESCALATION.get(department, ()))
                .exclude(pk=except_id or 0).order_by("pk"))


def start_page(actor) -> str:
    """The URL name of the page the actor lands on: their own work."""
    return _WORKPLACES.get(getattr(actor, "role", None), ("customers:list", ()))[0]


def departments_of(actor) -> tuple[str, ...]:
    """The departments whose menus the actor works in, in menu order."""
    return _WORKPLACES.get(getattr(actor, "role", None), ("", ()))[1]


def scope_of(actor, action: str) -> Scope:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return Scope.NONE
    return POLICY.get((actor.role, action), Scope.NONE)


def allowed(actor, action: str) -> bool:
    """Whether the actor may do this action to at least some records (navigation, buttons)."""
    return scope_of(actor, action) is not Scope.NONE


def refusal(action: str) -> str:
    """The one refusal message for an action, in the reader's language."""
    return gettext("You may not %(action)s.") % {"action": Action(action).label}


def require(actor, action: str) -> Scope:
    """The actor's scope for ``action``, or PermissionDenied (403) if they have none."""
    scope = scope_of(actor, action)
    if scope is Scope.NONE:
        raise PermissionDenied(refusal(action))
    return scope


def staff_with(action: str, scope: Scope):
    """The staff whose role has exactly ``scope`` for ``action`` (e.g. who writes daily reports
    of their own: the people who sell)."""
    return Staff.objects.filter(role__in=[role for (role, act), s in POLICY.items() if act == action and s is scope])


def scope_filter(actor, action: str, *, dealer: str = "dealer", owner: str = "owner") -> Q | None:
    """A filter selecting the records within the actor's scope for ``action``, or None if none.

    ``dealer`` and ``owner`` name the record's fields (or lookups) holding its dealer and owner,
    so the same rules apply to any model that hangs off the organisation.

    Region and group scopes become a list of dealer ids (a few dozen at most) rather than a join
    through region and group: the database can then use the index of whatever else the query
    filters on (a mobile number, a date) instead of walking every dealer's rows.
    """
    scope = scope_of(actor, action)
    if scope is Scope.OWN:
        return Q(**{f"{owner}_id": actor.pk})
    if scope is Scope.DEALER and actor.dealer_id:
        return Q(**{f"{dealer}_id": actor.dealer_id})
    if scope in (Scope.REGION, Scope.GROUP) and (actor.region_id if scope is Scope.REGION else actor.group_id):
        return Q(**{f"{dealer}__any": _dealer_ids(actor, scope, action)})  # one array parameter (org.lookups)
    return None


def _dealer_ids(actor, scope: Scope, action: str) -> list[int]:
    """A region's or group's dealer ids, read once per actor object: a page asks for the filters
    of several actions (the card, seven), and ``request.user`` lives as long as the request."""
    known = actor.__dict__.setdefault("_dealer_ids_by_scope", {})
    if scope not in known:
        known[scope] = list(dealers_in_scope(actor, action).values_list("id", flat=True))
    return known[scope]


def dealers_in_scope(actor, action: str):
    """The dealers at which the actor may do ``action`` (for pickers and creation)."""
    from .models import Dealer

    scope = scope_of(actor, action)
    if scope in (Scope.OWN, Scope.DEALER):
        return Dealer.objects.filter(pk=actor.dealer_id)
    if scope is Scope.REGION:
        return Dealer.objects.filter(region_id=actor.region_id)
    if scope is Scope.GROUP:
        return Dealer.objects.filter(region__group_id=actor.group_id)
    return Dealer.objects.none()


def dealer_in_scope(actor, action: str, dealer_id) -> int:
    """A dealer at which the actor may do ``action`` (a dealer's settings and rules): 403 if they
    may do it nowhere, 404 if this dealer is out of their scope (or no dealer id at all)."""
    from django.http import Http404

    require(actor, action)
    try:
        dealer_id = int(dealer_id)
    except (TypeError, ValueError):
        raise Http404(gettext("No such dealer.")) from None
    if not dealers_in_scope(actor, action).filter(pk=dealer_id).exists():
        raise Http404(gettext("No such dealer."))
    return dealer_id


def picked_dealer(actor, action: str, code: str | None):
    """The dealer a settings page shows: the one whose ``code`` was asked for (404 if out of
    scope), else the actor's own, else the first of their scope by code (404 if none)."""
    from django.http import Http404

    dealers = dealers_in_scope(actor, action)
    dealer = dealers.filter(code=code).first() if code else None
    if dealer is None and code:
        raise Http404(gettext("No such dealer."))
    dealer = dealer or (actor.dealer if actor.dealer_id else dealers.order_by("code").first())
    if dealer is None:
        raise Http404(gettext("No such dealer."))
    return dealer
