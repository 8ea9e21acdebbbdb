"""Dated analytics results: one ``ScoreRun`` per computation, one ``CustomerScore`` per customer.

Scores are snapshots, never updated in place: the run records what was computed, over which
scope and data, with which fitted model parameters, so a number on a page can always be traced
back to the fit that produced it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from retain.customers.models import Customer
from retain.org.models import Dealer, Staff

#: What a score run may compute (``retain analyze rfm|clv|pyramid``).
ANALYSES = ("rfm", "clv", "pyramid")


class ScoreRun(models.Model):
    as_of = models.DateField(_("as of"))
    dealer = models.ForeignKey(Dealer, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("dealer"), help_text=_("Empty: the whole group."))
    kinds = models.CharField(_("transaction kinds"), max_length=100)
    analyses = models.CharField(_("analyses"), max_length=50)
    customers = models.PositiveIntegerField(_("customers"))
    fitted = models.JSONField(_("fitted models"), default=dict)
    summary = models.JSONField(_("summary"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    # The periodic job insights.score stores at most one run per day it works for: run twice for a
    # day (a retry, a run by hand) it finds this run instead of scoring again.
    job_day = models.DateField(_("scheduled for"), null=True, blank=True, unique=True,
                               help_text=_("The day of the periodic scoring job that made this run."))

    class Meta:
        verbose_name = _("score run")
        verbose_name_plural = _("score runs")
        ordering = ["-as_of", "-id"]


class CustomerScore(models.Model):
    run = models.ForeignKey(ScoreRun, models.CASCADE, related_name="scores", verbose_name=_("run"))
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="scores", verbose_name=_("customer"))
    as_of = models.DateField(_("as of"))
    frequency = models.PositiveIntegerField(_("repeat purchases"))
    recency = models.FloatField(_("recency (days)"))
    age = models.FloatField(_("customer age T (days)"))
    monetary_cents = models.BigIntegerField(_("mean repeat spend (cents)"))
    r_score = models.PositiveSmallIntegerField(_("R"), null=True)
    f_score = models.PositiveSmallIntegerField(_("F"), null=True)
    m_score = models.PositiveSmallIntegerField(_("M"), null=True)
    rfm_segment = models.CharField(_("RFM segment"), max_length=20, blank=True)
    p_alive = models.FloatField(_("probability alive"), null=True)
    expected_purchases = models.FloatField(_("expected purchases, next 12 months"), null=True)
    clv_cents = models.BigIntegerField(_("12-month CLV (cents)"), null=True)
    tier = models.CharField(_("pyramid tier"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")
        constraints = [models.UniqueConstraint(fields=["run", "customer"], name="one_score_per_run")]
        indexes = [models.Index(fields=["customer", "-as_of"])]
