"""Compensation offered on a case (issue 10, item 4; seed 001: compensate fittingly, both
psychological and material): its kind, its worth to the customer in cents (and the points, for
goodwill points, which the points programme credits), and, above the dealer's threshold, a
manager's approval before it counts as given. Approved goodwill points are credited to the
member through the points programme (``loyalty.services.goodwill``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from retain import bounds
from retain.loyalty.models import Transfer
from retain.org.models import Staff

from .case import Case


class CompensationKind(models.TextChoices):
    APOLOGY = "apology", _("Apology (gift or letter)")
    SERVICE = "service", _("Free service or repair")
    VOUCHER = "voucher", _("Voucher")
    GOODWILL_POINTS = "goodwill_points", _("Goodwill points")


class CompensationStatus(models.TextChoices):
    APPROVED = "approved", _("Approved")
    PENDING = "pending", _("Awaiting approval")
    REJECTED = "rejected", _("Rejected")


class Compensation(models.Model):
    case = models.ForeignKey(Case, models.CASCADE, related_name="compensations", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=20, choices=CompensationKind.choices)
    value_cents = models.BigIntegerField(_("value to the customer (cents)"), validators=bounds.money())
    points = models.PositiveIntegerField(_("points"), null=True, blank=True, validators=bounds.count(1, 10_000_000))
    description = models.TextField(_("what is given"), validators=bounds.text())
    status = models.CharField(_("status"), max_length=20, choices=CompensationStatus.choices)
    offered_by = models.ForeignKey(Staff, models.PROTECT, related_name="+", verbose_name=_("offered by"))
    offered_at = models.DateTimeField(_("offered at"))
    decided_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, validators=bounds.text())
    # Goodwill points once credited: the points programme's transfer (whose ``source`` names this
    # compensation back).
    transfer = models.OneToOneField(Transfer, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("points credited"))

    class Meta:
        verbose_name = _("compensation")
        verbose_name_plural = _("compensations")
        ordering = ["offered_at", "id"]
