"""Escalating cases past a deadline: the hourly job ``cases.escalate`` tells the department's
manager when an open case misses its first contact or its resolution, and the general manager
when it is still past that deadline ``escalate_gm_hours`` later (DOMAIN.md section 6: no unhappy
customer is left without someone answering for them).

Who is told (the roles are ``org.policy.ESCALATION``'s):

- **the department's manager**: the sales manager and showroom manager for a sales case, the
  service manager for a service or parts case; for a case of another department, or a dealer
  without such a manager, the general manager at once;
- **the general manager**: the dealer's general managers;

never the case's owner (a manager who owns a late case is not told about it by themselves: it goes
one level up). Each escalation is one ``CaseEscalation`` record per case, deadline and level (a
unique constraint, so an hour run twice, or two workers, escalate once), one notice per person
told (``channels.services.notices``, in the dealer's language, e-mailed when they have an address)
and one audit row ``case.escalate``. A deadline met late but before the job came by is not
escalated: by then someone is on it, which is all escalation is for.
"""

import datetime as dt
from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from retain.channels.models import settings_for as channel_settings_for
from retain.channels.rules import zone
from retain.channels.services.notices import notify
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import DepartmentKind, Staff
from retain.org.policy import escalation_staff

from ..models import Case, CaseEscalation, CaseStatus, Deadline, Department, Level
from ..models.case import settings_for

#: The organisation's department whose managers hear first of a late case of each case department
#: (whom that is: ``org.policy.ESCALATION``); another department goes to the general manager at once.
DEPARTMENT_KIND = {Department.SALES: DepartmentKind.SALES, Department.SERVICE: DepartmentKind.SERVICE,
                   Department.PARTS: DepartmentKind.SERVICE}


def breached(deadline: str, moment: dt.datetime) -> Q:
    """Open cases past ``deadline`` at ``moment`` (and not yet met)."""
    if deadline == Deadline.FIRST_CONTACT:
        return Q(status=CaseStatus.OPEN, first_contact_at__isnull=True, first_contact_due__lte=moment)
    return Q(status=CaseStatus.OPEN, resolution_due__lte=moment)


def past_a_deadline(moment: dt.datetime) -> Q:
    """Open cases past either deadline at ``moment``: the lists' "past a deadline" and the API's
    ``overdue``, the same cases the hourly job escalates."""
    return breached(Deadline.FIRST_CONTACT, moment) | breached(Deadline.RESOLUTION, moment)


def escalate(*, actor=None, moment: dt.datetime) -> Counter:
    """Every escalation due at ``moment``, each in its own transaction; counts by level."""
    made = Counter()
    for deadline in Deadline:
        for case_id in _candidates(deadline, moment):
            level = _escalate_case(actor=actor, case_id=case_id, deadline=deadline, moment=moment)
            if level:
                made[level] += 1
    return made


def _candidates(deadline: str, moment: dt.datetime) -> list[int]:
    """Cases past the deadline whose general manager has not been told yet (the few that are
    past a deadline: the query skips everyone told to the top already)."""
    told_gm = CaseEscalation.objects.filter(case=OuterRef("pk"), deadline=deadline, level=Level.GM)
    return list(Case.objects.filter(breached(deadline, moment)).exclude(Exists(told_gm))
                .order_by("pk").values_list("pk", flat=True))


def _general_managers(case: Case) -> list[Staff]:
    return escalation_staff(case.dealer_id, DepartmentKind.MANAGEMENT, except_id=case.owner_id)


@transaction.atomic
def _escalate_case(*, actor, case_id: int, deadline: str, moment: dt.datetime) -> str | None:
    """The next escalation of one case's deadline if it is due at ``moment``: the level made, or None."""
    case = Case.objects.select_for_update(of=("self",)).select_related("customer", "owner").filter(
        breached(deadline, moment), pk=case_id).first()
    if case is None:
        return None  # met, or closed, since the candidates were read
    done = {row.level: row for row in CaseEscalation.objects.filter(case=case, deadline=deadline)}
    if Level.GM in done:
        return None
    if Level.MANAGER in done:
        hours = settings_for(case.dealer_id).escalate_gm_hours
        if done[Level.MANAGER].at > moment - dt.timedelta(hours=hours):
            return None  # the manager has until then
        level, told = Level.GM, _general_managers(case)
    else:
        level, told = Level.MANAGER, escalation_staff(case.dealer_id, DEPARTMENT_KIND.get(case.department),
                                                      except_id=case.owner_id)
        if not told:
            level, told = Level.GM, _general_managers(case)
    due = case.first_contact_due if deadline == Deadline.FIRST_CONTACT else case.resolution_due
    try:
        with transaction.atomic():
            row = CaseEscalation.objects.create(case=case, deadline=deadline, level=level, due=due, at=moment)
    except IntegrityError:
        return None  # another run made it
    row.recipients.set(told)
    tell(case, row, told)
    audit.record(actor=actor, action=AuditCode.CASE_ESCALATE, obj=case, dealer_id=case.dealer_id, after={
        "deadline": deadline, "level": level, "due": due.isoformat(), "told": [person.pk for person in told]})
    return level


def tell(case: Case, row: CaseEscalation, told: list[Staff]) -> None:
    """One notice to each person told, in the dealer's language and local time."""
    channel_settings = channel_settings_for(case.dealer_id)
    gm_hours = settings_for(case.dealer_id).escalate_gm_hours
    with translation.override(channel_settings.default_language or None):
        subject = (_("Case #%(number)s: no first contact by its deadline") if row.deadline == Deadline.FIRST_CONTACT
                   else _("Case #%(number)s: not resolved by its deadline")) % {"number": case.pk}
        due = formats.date_format(row.due.astimezone(zone(channel_settings)), "Y-m-d H:i")
        lines = [
            _("Customer: %(name)s") % {"name": case.customer.name},
            _("%(category)s, %(severity)s") % {"category": case.get_category_display(),
                                               "severity": case.get_severity_display()},
            _("Owner: %(owner)s") % {"owner": case.owner.display_name if case.owner else _("nobody")},
            _("Was due: %(due)s") % {"due": due},
            _("You are told as the department's manager; the general manager is told if it is still past "
              "its deadline %(hours)s hours from now.") % {"hours": gm_hours}
            if row.level == Level.MANAGER else _("You are told as the general manager."),
        ]
        body = "\n".join(str(line) for line in lines)
    link = reverse("cases:case", args=[case.pk])
    for person in told:
        notify(actor=None, staff=person, subject=subject, body=body, link=link, dealer_id=case.dealer_id,
               key=f"case:{case.pk}:{row.deadline}:{row.level}:{person.pk}", origin="cases.escalate")
