"""Surveys and invitations for the answer part's tests, written straight to the tables with the
codes of the COMMON contract (the presets and the invitation service are other parts' work).

``AFTER_SALES`` is the after-sales CSS (eight rated items, overall, recommend, the 100-point
importance allocation across the items, a comment); ``EVERY_KIND`` has one question of each
remaining kind (single, multiple, Kano, performance with importance, a 1-5 rating)."""

import datetime as dt
import itertools

from django.utils import timezone

from retain.customers.models import Transaction, Vehicle
from retain.surveys import tokens
from retain.surveys.models import Invitation, InvitationStatus, Question, Survey, SurveyVersion, Trigger

_keys = itertools.count(1)

ITEMS = ["fixed_first_time", "no_rework", "value", "friendliness", "explained_why", "listened",
         "explained_invoice", "returned_clean"]
WEIGHTS = [.19, .17, .14, .12, .11, .11, .08, .08]


def _text(en, zh=None):
    return {"en": en, "zh-hans": zh or en}


def _ends(low="very dissatisfied", high="very satisfied", low_zh="非常不满意", high_zh="非常满意"):
    return {"low_label": _text(low, low_zh), "high_label": _text(high, high_zh)}


AFTER_SALES = [
    *({"code": code, "kind": "rating", "role": "item", "text": _text(f"How was: {code.replace('_', ' ')}?",
                                                                      f"您对{code}的评价"),
       "scale_min": 1, "scale_max": 10, "weight": weight, **_ends()} for code, weight in zip(ITEMS, WEIGHTS)),
    {"code": "overall", "kind": "rating", "role": "outcome", "text": _text("Overall satisfaction", "总体满意度"),
     "scale_min": 1, "scale_max": 10, **_ends()},
    {"code": "recommend", "kind": "nps", "role": "outcome",
     "text": _text("How likely are you to recommend us?", "您向亲友推荐本店的可能性有多大？"),
     **_ends("not at all likely", "extremely likely", "完全不可能", "极有可能")},
    {"code": "importance", "kind": "allocation", "role": "other", "required": False,
     "text": _text("Share 100 points by importance", "按重要性分配100分"),
     "items": [{"code": code, "text": _text(code.replace("_", " "))} for code in ITEMS]},
    {"code": "comment", "kind": "text", "role": "reason", "required": False,
     "text": _text("Anything else?", "其他意见或建议")},
]

EVERY_KIND = [
    {"code": "channel", "kind": "single", "role": "other", "text": _text("How did you book?", "您是如何预约的？"),
     "choices": [{"code": "phone", "text": _text("By phone", "电话")},
                 {"code": "app", "text": _text("In the app", "App")},
                 {"code": "walk_in", "text": _text("Walked in", "直接到店")}]},
    {"code": "used", "kind": "multiple", "role": "other", "required": False,
     "text": _text("Which did you use?", "您使用了哪些服务？"),
     "choices": [{"code": "lounge", "text": _text("Lounge", "休息区")},
                 {"code": "wifi", "text": _text("Wi-Fi", "无线网络")},
                 {"code": "loaner", "text": _text("Loaner car", "代步车")}]},
    {"code": "kano_pickup", "kind": "kano", "role": "item",
     "text": _text("Pick-up and return of the car", "上门取送车")},
    {"code": "waiting", "kind": "performance_importance", "role": "item", "scale_min": 1, "scale_max": 5,
     "text": _text("Waiting time", "等待时间"), **_ends("poor", "excellent", "很差", "很好")},
    {"code": "loyal", "kind": "rating", "role": "outcome", "scale_min": 1, "scale_max": 5,
     "text": _text("Will you service your car here again?", "您会再来本店保养吗？"),
     **_ends("definitely will not", "definitely will", "一定不会", "一定会")},
]


def make_survey(group, *, dealer=None, kind="css_after_sales", questions=AFTER_SALES, audience="customers",
                name=None):
    """A survey with version 1 holding ``questions`` (dicts of Question fields)."""
    survey = Survey.objects.create(group=group, dealer=dealer, kind=kind, preset=kind, audience=audience,
                                   name=name or _text("After-sales satisfaction", "售后满意度调查"))
    version = SurveyVersion.objects.create(survey=survey, number=1)
    for position, spec in enumerate(questions, start=1):
        Question.objects.create(version=version, position=position, **{"required": True, **spec})
    survey.current_version = version
    survey.save(update_fields=["current_version"])
    return survey


def make_visit(customer, *, staff=None, kind="service", day=None, plate="沪A12345"):
    """A vehicle and a repair order (or sale) of the customer."""
    vehicle = Vehicle.objects.create(customer=customer, vin=f"LSVAA4182E2{next(_keys):06d}",
                                     make="大众", model="途观L", plate=plate)
    transaction = Transaction.objects.create(customer=customer, dealer=customer.dealer, vehicle=vehicle, kind=kind,
                                             date=day or timezone.localdate() - dt.timedelta(days=3),
                                             amount_cents=128_000, reference=f"RO{next(_keys)}")
    return vehicle, transaction


def make_invitation(survey, *, dealer, customer=None, transaction=None, staff=None, respondent_staff=None,
                    status=InvitationStatus.OPEN, expires_in=dt.timedelta(days=14), created_at=None):
    """An invitation and its token (shown once), as the invitation service would make it."""
    token, digest = tokens.new_token()
    now = created_at or timezone.now()
    invitation = Invitation.objects.create(
        survey=survey, version=survey.current_version, dealer=dealer, customer=customer,
        respondent_staff=respondent_staff, transaction=transaction,
        vehicle=transaction.vehicle if transaction is not None else None, staff=staff, trigger=Trigger.REPAIR,
        key=f"test:{next(_keys)}:{digest[:8]}", token_hash=digest, status=status, created_at=now,
        expires_at=now + expires_in)
    return invitation, token


def after_sales_answers(score=8, **overrides):
    """A complete, varied answer to ``AFTER_SALES`` (not straight-lined)."""
    answers = {code: min(10, max(1, score + (i % 3) - 1)) for i, code in enumerate(ITEMS)}
    answers.update(overall=score, recommend=9)
    answers.update(overrides)
    return answers
