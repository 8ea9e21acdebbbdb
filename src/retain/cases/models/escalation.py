"""A case past a deadline told up the line: to the department's manager first, then the general
manager if it is still past it ``CaseSettings.escalate_gm_hours`` later (DOMAIN.md section 6).
One record per case, deadline and level, made by the hourly job ``cases.escalate``; it keeps
whom it told, so the case page shows the escalation history beside the clock."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from retain.org.models import Staff

from .case import Case


class Deadline(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("First contact")
    RESOLUTION = "resolution", _("Resolution")


class Level(models.TextChoices):
    MANAGER = "manager", _("Department manager")
    GM = "gm", _("General manager")


class CaseEscalation(models.Model):
    case = models.ForeignKey(Case, models.CASCADE, related_name="escalations", verbose_name=_("case"))
    deadline = models.CharField(_("deadline"), max_length=20, choices=Deadline.choices)
    level = models.CharField(_("escalated to"), max_length=20, choices=Level.choices)
    due = models.DateTimeField(_("was due"))
    at = models.DateTimeField(_("escalated at"))
    # Whom it told (none when the dealer has nobody in that role: the record still stands, so the
    # history shows the gap and the job does not look again every hour).
    recipients = models.ManyToManyField(Staff, related_name="+", blank=True, verbose_name=_("told"))

    class Meta:
        verbose_name = _("case escalation")
        verbose_name_plural = _("case escalations")
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "deadline", "level"],
                                               name="cases_one_escalation_per_level")]

    def __str__(self):
        return f"{self.case} {self.deadline} {self.level}"
