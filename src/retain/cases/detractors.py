"""A detractor's survey answer opens a case (issue 10, item 1; seed 003: detect, contact, recover,
convert): a counted answer of a customer who would not recommend the dealer (NPS 0-6) or who
rated a CSS item at or below the dealer's threshold (``CaseSettings.item_threshold``, on 1-10).

The surveys app hands each answer to ``open_for_answer`` when it comes to count (its hook, after
the commit), and the job ``cases.detractors`` sweeps the day's answers for any the hook missed
(a failure after the commit, a dealer that switched the intake on later). One case per answer
(a unique constraint), so both may run any number of times.

The case: channel "survey answer", linked to the response, about the vehicle and the staff
member of the answered visit; department sales for the sales CSS, service otherwise; owned by
whoever served the customer if they work cases, else the department's stand-in (the service or
sales manager; ``org.policy.stand_ins``); severity major for NPS 0-3 or an item at 1-2 (on 1-10),
minor otherwise; category from the lowest item where the presets' codes say it (repair quality,
price, staff attitude...); the description lists the low scores and the customer's comment.
"""

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from retain.customers.models import Status
from retain.jobs.registry import periodic
from retain.org.models import DepartmentKind, Staff
from retain.org.policy import Action, Scope, scope_of, stand_ins
from retain.surveys.models import Question, QuestionKind, QuestionRole, Response, SurveyKind
from retain.surveys.texts import localised

from .models import Case, Category, Department, Severity
from .models.case import settings_for
from .services.cases import open_from_survey

#: NPS answers at or below this are a detractor's.
DETRACTOR_NPS = 6
#: Where the presets' item codes point when they are the lowest score (the rest: other).
CATEGORY_OF_ITEM = {
    "fixed_first_time": Category.REPAIR_QUALITY, "no_rework": Category.REPAIR_QUALITY,
    "value": Category.PRICE, "explained_invoice": Category.PRICE,
    "friendliness": Category.STAFF_ATTITUDE, "listened": Category.STAFF_ATTITUDE,
    "explained_why": Category.STAFF_ATTITUDE, "attitude": Category.STAFF_ATTITUDE,
    "returned_clean": Category.REPAIR_QUALITY, "product_knowledge": Category.STAFF_ATTITUDE,
    "needs_advised": Category.STAFF_ATTITUDE, "test_drive_offered": Category.SALES_PROMISE,
    "pleasant_delivery": Category.SALES_PROMISE, "contacted_after": Category.SALES_PROMISE,
    "advisor_introduced": Category.SALES_PROMISE,
}


def _on_ten(number: float, question: Question) -> float:
    """A rating mapped onto 1-10 (the scale the threshold is stated on)."""
    low = 1 if question.scale_min is None else question.scale_min
    high = 10 if question.scale_max is None else question.scale_max
    return number if (low, high) == (1, 10) or high <= low else 1 + (number - low) * 9 / (high - low)




def low_scores(response: Response, threshold: int) -> tuple[float | None, list[tuple[Question, float]]]:
    """The answer's NPS if it is a detractor's, and its items at or below ``threshold`` (on 1-10),
    lowest first. One query (the version's questions)."""
    questions = {q.code: q for q in Question.objects.filter(version_id=response.version_id)}
    nps = None
    items = []
    for code, number in (response.scores or {}).items():
        question = questions.get(code)
        if question is None or number is None:
            continue
        if question.kind == QuestionKind.NPS and number <= DETRACTOR_NPS:
            nps = number if nps is None else min(nps, number)
        elif question.kind == QuestionKind.RATING and question.role == QuestionRole.ITEM \
                and _on_ten(number, question) <= threshold:
            items.append((question, number))
    return nps, sorted(items, key=lambda pair: _on_ten(pair[1], pair[0]))


def _owner(response: Response, department: str) -> Staff | None:
    served = response.staff
    if served is not None and served.is_active and served.dealer_id == response.dealer_id \
            and scope_of(served, Action.WORK_CASES) is not Scope.NONE:
        return served
    stand_in = stand_ins([response.dealer_id])[response.dealer_id].get(
        DepartmentKind.SALES if department == Department.SALES else DepartmentKind.SERVICE)
    return Staff.objects.filter(pk=stand_in).first() if stand_in else None


def _description(response: Response, nps, items) -> str:
    parts = []
    if nps is not None:
        parts.append(_("Would recommend us: %(score)d of 10") % {"score": nps})
    parts += [_("%(item)s: %(score)d") % {"item": localised(question.text), "score": number}
              for question, number in items]
    comment = next((a.text for a in response.answers.select_related("question")
                    if a.question.kind == QuestionKind.TEXT and a.text), "")
    # Whole sentences for the translators: a Chinese sentence ends in 。 and lists with ；.
    text = _("Survey answer of %(day)s: %(scores)s.") % {"day": response.answered_on,
                                                         "scores": _("; ").join(parts)}
    return text + (" " + _("The customer wrote: %(comment)s") % {"comment": comment} if comment else "")


def open_for_answer(response: Response, *, now: dt.datetime | None = None) -> Case | None:
    """The case a counted answer opens, if it is a detractor's and has none yet (else None)."""
    if not response.counted or response.submitted_at is None or response.customer_id is None:
        return None
    rules = settings_for(response.dealer_id)
    if not rules.detractor_cases:
        return None
    nps, items = low_scores(response, rules.item_threshold)
    if nps is None and not items:  # most answers end here, after two queries
        return None
    if Case.objects.filter(response=response).exists():
        return None
    response = Response.objects.select_related("survey", "customer", "staff").filter(pk=response.pk).first()
    if response is None or response.customer.status != Status.ACTIVE:
        return None
    department = Department.SALES if response.survey.kind == SurveyKind.CSS_SALES else Department.SERVICE
    severity = Severity.MAJOR if (nps is not None and nps <= 3) or any(
        _on_ten(number, question) <= 2 for question, number in items) else Severity.MINOR
    category = CATEGORY_OF_ITEM.get(items[0][0].code, Category.OTHER) if items else Category.OTHER
    now = now or timezone.now()
    with translation.override(response.language or None):
        description = _description(response, nps, items)
    owner = _owner(response, department)
    return open_from_survey(actor=None, response=response, department=department, category=category,
                            severity=severity, description=description, owner=owner, now=now)


@periodic("cases.detractors", at="06:00", description=_("Open cases for detractors' survey answers"))
def sweep(day: dt.date) -> str:
    """Open the cases the hook missed for answers counted on ``day`` or the day before."""
    answers = (Response.objects.filter(counted=True, submitted_at__isnull=False, customer__isnull=False,
                                       answered_on__gte=day - dt.timedelta(days=1), answered_on__lte=day)
               .exclude(pk__in=Case.objects.filter(response__isnull=False).values("response_id")))
    opened = sum(1 for response in answers.iterator() if open_for_answer(response) is not None)
    return f"{day}: {opened} cases for detractors' answers"
