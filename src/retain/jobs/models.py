"""One record per periodic job and day (and hour, for an hourly job): the scheduler's claim, and
what the run did.

The unique (job, day, hour) triple is the claim: whichever scheduler (or ``retain jobs run``) inserts it
first owns that day's run, so two workers never run one day twice, and the record then holds the
run's outcome for ``retain jobs``. These records are the log of background work: jobs stand on
the lowest floor and write no audit rows (the jobs' own services audit what they change, e.g.
``scores.compute``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")  # claimed and handed to the task queue
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    HAND = "hand", _("By hand")  # retain jobs run NAME


class JobRun(models.Model):
    name = models.CharField(_("job"), max_length=100)
    day = models.DateField(_("day"), help_text=_("The day the job works for (local date)."))
    # 0 for a daily job (its one run of the day); an hourly job's local hour, 0-23.
    hour = models.PositiveSmallIntegerField(_("hour"), default=0,
                                            help_text=_("The local hour an hourly job works for."))
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True, help_text=_("The queued task's id."))

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["name", "-day", "-hour"]
        constraints = [models.UniqueConstraint(fields=["name", "day", "hour"], name="one_run_per_job_and_hour")]

    def __str__(self):
        hour = f" {self.hour:02d}h" if self.hour else ""
        return f"{self.name} {self.day:%Y-%m-%d}{hour} {self.status}"
