"""The care calendar's touches that are messages (a rule whose channel is a message): each new
task queues its message through the channels app, keyed on the task, so a rerun of the day's job
sends nothing twice. The channels app applies the send-time rules (consent, quiet hours, caps)
and records a suppressed message with its reason; the task stays on its owner's list either way,
so a greeting that could not be sent can still be made by phone."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from retain.channels import kinds
from retain.channels.services import queue_message

from .models import TaskKind

#: The channels' message kind for each care kind, when the rule names no template of its own.
CODES = {
    TaskKind.BIRTHDAY: "care.birthday",
    TaskKind.SPRING_FESTIVAL: "care.festival", TaskKind.DRAGON_BOAT: "care.festival",
    TaskKind.MID_AUTUMN: "care.festival", TaskKind.NATIONAL_DAY: "care.festival",
    TaskKind.DELIVERY_D1: "care.after_delivery_d1", TaskKind.DELIVERY_D7: "care.after_delivery_d7",
    TaskKind.DELIVERY_D30: "care.after_delivery_d30",
    TaskKind.SERVICE_DUE: "care.service_due",
    TaskKind.INSURANCE_60: "care.insurance_renewal", TaskKind.INSURANCE_30: "care.insurance_renewal",
    TaskKind.INSURANCE_7: "care.insurance_renewal",
    TaskKind.INSPECTION: "care.annual_inspection",
    TaskKind.REPLACEMENT: "care.replacement",
    TaskKind.ACCIDENT: "care.accident_condolence",
}
FESTIVAL_NAMES = {TaskKind.SPRING_FESTIVAL: _("Spring Festival"), TaskKind.DRAGON_BOAT: _("Dragon Boat Festival"),
                  TaskKind.MID_AUTUMN: _("Mid-Autumn Festival"), TaskKind.NATIONAL_DAY: _("National Day")}


def code_for(task) -> str | None:
    """The rule's own template if the channels know it, else the kind's."""
    return task.template_code if kinds.get(task.template_code) else CODES.get(task.kind)


def context_for(task, day: dt.date) -> dict:
    """The variables the message's kind asks of its caller, from the task and its car."""
    car = task.vehicle
    if task.kind in FESTIVAL_NAMES:
        return {"festival": str(FESTIVAL_NAMES[task.kind])}
    if task.kind in (TaskKind.SERVICE_DUE, TaskKind.INSPECTION):
        return {"due_date": date_format(task.due_on, "Y-m-d")}
    if task.kind in (TaskKind.INSURANCE_60, TaskKind.INSURANCE_30, TaskKind.INSURANCE_7) and car and car.insurance_expiry:
        return {"expiry_date": date_format(car.insurance_expiry, "Y-m-d"),
                "days_left": str((car.insurance_expiry - day).days)}
    if task.kind == TaskKind.REPLACEMENT and car and car.purchase_date:
        return {"vehicle_age": str((day - car.purchase_date).days // 365)}
    return {}


def queue_for(tasks, day: dt.date) -> int:
    """Queue the message of each task (the job acts: no staff actor). Answers how many were
    queued or recorded as suppressed; a task whose message cannot be made (no such kind, a car
    kind without its car) is left to its owner."""
    done = 0
    for task in tasks:
        code = code_for(task)
        kind = kinds.get(code) if code else None
        if kind is None or (kind.about_vehicle and task.vehicle is None):
            continue
        try:
            queue_message(actor=None, customer=task.customer, purpose=kind.purpose, template_code=code,
                          context=context_for(task, day), key=f"care.task:{task.pk}", vehicle=task.vehicle,
                          origin="care")
        except ValidationError:
            continue
        done += 1
    return done
