"""The organisation: group -> region -> dealer -> department, the staff who work there,
their API tokens, and the append-only audit log."""

import hashlib
import re

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DealerGroup(models.Model):
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("dealer group")
        verbose_name_plural = _("dealer groups")

    def __str__(self):
        return self.name


class Region(models.Model):
    group = models.ForeignKey(DealerGroup, models.PROTECT, related_name="regions", verbose_name=_("group"))
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Dealer(models.Model):
    region = models.ForeignKey(Region, models.PROTECT, related_name="dealers", verbose_name=_("region"))
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    city = models.CharField(_("city"), max_length=50)

    class Meta:
        verbose_name = _("dealer")
        verbose_name_plural = _("dealers")
        ordering = ["code"]

    def __str__(self):
        return self.name


class DepartmentKind(models.TextChoices):
    SALES = "sales", _("Sales")
    SERVICE = "service", _("After-sales service")
    MARKETING = "marketing", pgettext_lazy("department", "Marketing")
    MANAGEMENT = "management", _("Management")


class Department(models.Model):
    dealer = models.ForeignKey(Dealer, models.CASCADE, related_name="departments", verbose_name=_("dealer"))
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [models.UniqueConstraint(fields=["dealer", "kind"], name="one_department_per_kind")]

    def __str__(self):
        return f"{self.dealer} · {self.get_kind_display()}"


class Role(models.TextChoices):
    CONSULTANT = "consultant", _("Sales consultant")
    SHOWROOM_MANAGER = "showroom_manager", _("Showroom manager")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    SERVICE_ADVISOR = "service_advisor", _("Service advisor")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    MARKETING = "marketing", pgettext_lazy("role", "Marketing")
    DEALER_GM = "dealer_gm", _("Dealer general manager")
    REGION_MANAGER = "region_manager", _("Region manager")
    GROUP_ADMIN = "group_admin", _("Group administrator")


#: Roles that work inside one dealer; they must have a dealer, and their region is the dealer's.
DEALER_ROLES = frozenset(Role) - {Role.REGION_MANAGER, Role.GROUP_ADMIN}


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def person_name(given: str, family: str) -> str:
    """A person's name as people write it: a Chinese name family name first with no space (周新志),
    in either language of the interface; a name in Latin letters given name first (Anna Schmidt)."""
    given, family = (given or "").strip(), (family or "").strip()
    if _CJK.search(given + family):
        return family + given
    return f"{given} {family}".strip()


class Staff(AbstractUser):
    """A person who works for the group. Where they sit decides what they can see."""

    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    group = models.ForeignKey(
        DealerGroup, models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("group")
    )
    region = models.ForeignKey(
        Region, models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("region")
    )
    dealer = models.ForeignKey(
        Dealer, models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("dealer")
    )
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("department")
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def clean(self):
        super().clean()
        if self.role in DEALER_ROLES and not self.dealer_id:
            raise ValidationError({"dealer": _("This role works at a dealer: choose one.")})
        if self.role == Role.REGION_MANAGER and not self.region_id:
            raise ValidationError({"region": _("A region manager needs a region.")})
        if self.dealer_id:
            self.region_id = self.dealer.region_id

    def __str__(self):
        return self.display_name

    def get_full_name(self) -> str:
        return person_name(self.first_name, self.last_name)

    @property
    def display_name(self) -> str:
        """How every page, export and report names this person (the username only if no name is on file)."""
        return self.get_full_name() or self.username


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        """Tokens that still open the API: not revoked, not expired, of an active staff member."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now(), staff__is_active=True)


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the raw token is shown once.

    Issued and revoked through ``org.services`` (audited); a token stops working when it expires
    (``RETAIN_TOKEN_DAYS`` after issue) or is revoked, and the row stays as a record.
    """

    staff = models.ForeignKey(Staff, models.CASCADE, related_name="api_tokens", verbose_name=_("staff member"))
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    @staticmethod
    def hash(raw: str) -> str:
        return _hash_token(raw)

    @classmethod
    def find(cls, raw: str):
        """The usable token with this raw value, or None."""
        return cls.objects.usable().select_related("staff").filter(digest=_hash_token(raw)).first()

    @classmethod
    def staff_for(cls, raw: str):
        token = cls.find(raw)
        return token.staff if token else None


class AppendOnlyQuerySet(models.QuerySet):
    """The ORM half of the append-only rule: bulk deletes and updates are refused before SQL is sent
    (the database refuses them too; see migrations 0002 and 0003)."""

    def delete(self):
        raise ValidationError("The audit log is append-only.")

    def update(self, **kwargs):
        raise ValidationError("The audit log is append-only.")

    delete.queryset_only = True


class AuditEvent(models.Model):
    """One append-only row per change or sensitive read (reveal, export).

    Written by ``org.audit.record`` inside the transaction of the change it describes, so a
    change that rolls back leaves no row, and a row never describes a change that did not
    happen. Database triggers refuse UPDATE and DELETE (migrations 0002 and 0003), the ORM
    refuses them too, and each row carries ``row_hash`` = SHA-256 of the previous row's hash and
    its own content, so a row changed or removed behind the application's back breaks the chain
    (``retain audit verify``).
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        Staff, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    action = models.CharField(_("action"), max_length=50, db_index=True)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=50)
    dealer = models.ForeignKey(
        Dealer, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("dealer")
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    prev_hash = models.CharField(_("previous row's hash"), max_length=64, editable=False)
    row_hash = models.CharField(_("row hash"), max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("The audit log is append-only.")
        if not self.row_hash:
            raise ValidationError("Audit rows are written by org.audit.record, which chains them.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The audit log is append-only.")
