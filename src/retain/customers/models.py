"""The customer base (DOMAIN.md section 3): customers, their vehicles, transactions,
classification history, consent and tags.

Customers are read and changed only through ``customers.access`` (the door that applies the
policy) and ``customers.services`` (the business actions); nothing else queries them directly.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from retain import bounds
from retain.org.masking import mask_mobile, mask_national_id
from retain.org.models import Dealer, DealerGroup, Staff

from .fields import EncryptedTextField


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class Gender(models.TextChoices):
    UNKNOWN = "", _("Not stated")
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class Classification(models.TextChoices):
    POTENTIAL = "potential", _("Potential customer")
    BASE = "base", _("Base customer")
    VIP = "vip", _("VIP customer")
    PROSPECT = "prospect", _("Prospect")
    DEFEATED = "defeated", _("Defeated customer")
    OWN_SOLD = "own_sold", _("Own-sold owner")
    OTHER_SOLD = "other_sold", _("Other-sold owner")
    OTHER_BRAND = "other_brand", _("Other-brand owner")


class Source(models.TextChoices):
    """Where the customer came from: the seven prospect sources of DOMAIN.md section 4, and more."""

    BASE_MAINTENANCE = "base_maintenance", _("Base maintenance (replacement, additional, owner referral)")
    VIP = "vip", _("VIP introduction")
    KEY_ACCOUNT = "key_account", _("Key / fleet account")
    WALK_IN = "walk_in", _("Walk-in / phone-in")
    INTERNAL = "internal", _("Internal intelligence (staff relatives and friends)")
    OUTDOOR = "outdoor", _("Outdoor display")
    SECONDARY_NETWORK = "secondary_network", _("Secondary network")
    CANVASSING = "canvassing", _("Area canvassing")
    SERVICE = "service", _("After-sales service visit")
    IMPORT = "import", _("Imported list")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged into another record")


class Tag(models.Model):
    group = models.ForeignKey(DealerGroup, models.CASCADE, related_name="tags", verbose_name=_("group"))
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="unique_tag_per_group")]
        ordering = ["name"]

    def __str__(self):
        return self.name


def suffix_of(mobile: str) -> str:
    """The last four digits of a stored (E.164) mobile: what 尾号 search looks up."""
    return (mobile or "")[-4:]


class Customer(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.PERSON)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    mobile = models.CharField(_("mobile"), max_length=20, db_index=True, help_text=_("Stored in E.164."))
    # The last four digits (尾号), the key a counter clerk asks for most, stored and indexed with
    # the dealer: a 尾号 search is one index probe (about one in 10,000 customers share a suffix)
    # instead of a scan of every visible row for ``mobile LIKE '%1234'``. Kept by ``save`` (every
    # service writes through it) and by the demo loader; not a generated column, because Ibis'
    # SQLite backend (the warehouse) does not see generated columns.
    mobile_suffix = models.CharField(_("last four digits of the mobile"), max_length=4, editable=False,
                                     default="")
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True, default="")
    birthday = models.DateField(_("birthday"), null=True, blank=True, validators=bounds.dates())
    # The care calendar greets on the lunar anniversary of the birthday when this is set (the
    # birthday itself is always stored as the solar date of birth): care/calendar.py.
    birthday_lunar = models.BooleanField(_("celebrates the lunar birthday"), default=False, db_default=False)
    city = models.CharField(_("city"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # How outbound messages reach the customer (retain.channels): the e-mail channel's address and
    # the language its templates are rendered in (blank: the dealer's default language). The
    # database defaults let the demo's bulk loader leave them out.
    email = models.EmailField(_("e-mail"), blank=True, default="", db_default="")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default="",
                                db_default="")
    national_id = EncryptedTextField(_("ID card number"), blank=True, default="")
    classification = models.CharField(
        _("classification"), max_length=20, choices=Classification.choices, default=Classification.POTENTIAL
    )
    classified_on = models.DateField(_("classified on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=30, choices=Source.choices, default=Source.OTHER)
    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="customers", verbose_name=_("dealer"))
    owner = models.ForeignKey(
        Staff, models.SET_NULL, null=True, blank=True, related_name="customers", verbose_name=_("owner")
    )
    # The after-sales side of the customer: the care calendar gives service reminders to this
    # advisor (the owner is the sales consultant).
    service_advisor = models.ForeignKey(
        Staff, models.SET_NULL, null=True, blank=True, related_name="advised_customers",
        verbose_name=_("service advisor"))
    # Who introduced the customer (a VIP or an owner): the referral is credited to them.
    referred_by = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="referrals", verbose_name=_("referred by"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    merged_into = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="merged_records", verbose_name=_("merged into")
    )
    # The base is re-checked (盘点) regularly so that it stays true (DOMAIN.md section 3): the day
    # someone last confirmed this record with the customer; empty = never (customers.recheck).
    last_verified = models.DateField(_("last verified"), null=True, blank=True, validators=bounds.dates())
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["dealer", "status", "-id"], name="customer_dealer_list"),
            models.Index(fields=["owner", "status", "-id"], name="customer_owner_list"),
            models.Index(fields=["status", "-id"], name="customer_status_list"),
            models.Index(fields=["mobile_suffix", "dealer"], name="customer_mobile_suffix"),
            # The care calendar asks for the birthdays that fall on one day (a list of dates).
            models.Index(fields=["birthday"], name="customer_birthday"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.mobile_suffix = suffix_of(self.mobile)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "mobile" in update_fields:
            kwargs["update_fields"] = {*update_fields, "mobile_suffix"}
        super().save(*args, **kwargs)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def masked_national_id(self) -> str:
        return mask_national_id(self.national_id)


class ClassificationChange(models.Model):
    """Each change of a customer's class, with its date and reason (DOMAIN.md section 3)."""

    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="classification_changes", verbose_name=_("customer")
    )
    from_class = models.CharField(_("from"), max_length=20, choices=Classification.choices, blank=True)
    to_class = models.CharField(_("to"), max_length=20, choices=Classification.choices)
    reason = models.CharField(_("reason"), max_length=200)
    changed_by = models.ForeignKey(Staff, models.PROTECT, null=True, related_name="+", verbose_name=_("changed by"))
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("classification change")
        verbose_name_plural = _("classification changes")
        ordering = ["-changed_at", "-id"]


class ConsentPurpose(models.TextChoices):
    SERVICE = "service", _("Service contact")
    MARKETING = "marketing", pgettext_lazy("consent purpose", "Marketing")
    MANUFACTURER = "manufacturer", _("Sharing with the manufacturer")


class ConsentChannel(models.TextChoices):
    PAPER = "paper", _("Signed form")
    WEB = "web", _("Web page")
    PHONE = "phone", _("Phone call (recorded)")
    SMS = "sms", _("SMS reply")
    WECHAT = "wechat", _("WeChat")
    IN_PERSON = "in_person", _("In person")


class Consent(models.Model):
    """One grant or withdrawal of consent. The newest row per purpose is the current state;
    older rows are kept as evidence."""

    customer = models.ForeignKey(Customer, models.CASCADE, related_name="consents", verbose_name=_("customer"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    channel = models.CharField(_("channel"), max_length=20, choices=ConsentChannel.choices)
    notice_version = models.CharField(_("notice version"), max_length=20)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(Staff, models.PROTECT, null=True, related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["customer", "purpose", "-recorded_at"])]


class Vehicle(models.Model):
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="vehicles", verbose_name=_("customer"))
    # Unique within a dealer group (customers.services checks it), not across groups: one group
    # must not learn from a refusal which cars another group has on record.
    vin = models.CharField(_("VIN"), max_length=17, db_index=True)
    plate = models.CharField(_("plate"), max_length=10, blank=True, db_index=True)
    make = models.CharField(_("make"), max_length=40)
    model = models.CharField(_("model"), max_length=60)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True, validators=bounds.dates())
    sold_by_us = models.BooleanField(_("sold by us"), default=False)
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True,
                                             validators=bounds.count(0, bounds.MAX_MILEAGE_KM))
    insurance_expiry = models.DateField(_("insurance expiry"), null=True, blank=True, validators=bounds.dates())

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["-purchase_date", "-id"]
        # The care calendar asks for the cars whose anniversary (inspection, replacement) or
        # insurance expiry falls on one day.
        indexes = [models.Index(fields=["purchase_date"], name="vehicle_purchase_date"),
                   models.Index(fields=["insurance_expiry"], name="vehicle_insurance_expiry")]

    def __str__(self):
        return f"{self.make} {self.model} {self.plate or self.vin}"


class TransactionKind(models.TextChoices):
    VEHICLE_SALE = "vehicle_sale", _("Vehicle sale")
    SERVICE = "service", _("Service / repair order")
    PARTS = "parts", _("Parts and accessories")
    INSURANCE = "insurance", _("Insurance")
    INSURANCE_CLAIM = "insurance_claim", _("Insurance claim (accident repair)")
    OTHER = "other", _("Other")


class Transaction(models.Model):
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="transactions", verbose_name=_("customer"))
    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="transactions", verbose_name=_("dealer"))
    vehicle = models.ForeignKey(
        Vehicle, models.SET_NULL, null=True, blank=True, related_name="transactions", verbose_name=_("vehicle")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TransactionKind.choices)
    date = models.DateField(_("date"), validators=bounds.dates())
    amount_cents = models.BigIntegerField(_("amount (cents)"), validators=bounds.money())
    reference = models.CharField(_("reference number"), max_length=40, blank=True)
    # The odometer when the car came in: the care calendar estimates daily mileage from the last
    # two readings of a vehicle (service due by mileage, replacement by mileage).
    mileage_km = models.PositiveIntegerField(_("odometer (km)"), null=True, blank=True,
                                             validators=bounds.count(0, bounds.MAX_MILEAGE_KM))

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["customer", "-date"]),
            models.Index(fields=["dealer", "date"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_cents__gte=0), name="transaction_amount_not_negative"),
            models.UniqueConstraint(
                fields=["dealer", "reference"], condition=~models.Q(reference=""), name="unique_reference_per_dealer"
            ),
        ]

    @property
    def amount(self):
        from decimal import Decimal

        return Decimal(self.amount_cents) / 100


# -- imports (customers/imports): one batch per file, and what it created or changed ---------------

class ImportMode(models.TextChoices):
    CREATE = "create", _("Create new customers only")
    UPDATE = "update", _("Update customers on record only")
    UPSERT = "upsert", _("Update those on record, create the rest")


class ImportStatus(models.TextChoices):
    DONE = "done", _("Imported")
    UNDONE = "undone", _("Undone")


class ImportBatch(models.Model):
    """One imported file: who ran it, when, into which dealer, how, and what came of it.

    ``run_by`` is empty for an import run from the command line (the machine's operator).
    ``errors`` keeps the refused rows as ``[row, column, reason]`` so the error file can be
    downloaded again later."""

    dealer = models.ForeignKey(Dealer, models.PROTECT, related_name="import_batches", verbose_name=_("dealer"))
    run_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("run by"))
    owner = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("owner of the new customers"))
    file_name = models.CharField(_("file name"), max_length=200)
    file_format = models.CharField(_("format"), max_length=4)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=ImportMode.choices)
    strict = models.BooleanField(_("all or nothing"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.DONE)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("customers created"), default=0)
    updated = models.PositiveIntegerField(_("customers updated"), default=0)
    unchanged = models.PositiveIntegerField(_("customers unchanged"), default=0)
    vehicles_created = models.PositiveIntegerField(_("vehicles added"), default=0)
    vehicles_updated = models.PositiveIntegerField(_("vehicles updated"), default=0)
    refused = models.PositiveIntegerField(_("rows refused"), default=0)
    errors = models.JSONField(_("refused rows"), default=list, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(Staff, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("undone by"))

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-id"]
        indexes = [models.Index(fields=["dealer", "-id"], name="import_batch_dealer")]

    def __str__(self):
        return f"#{self.pk} {self.file_name}"


class ImportedKind(models.TextChoices):
    CUSTOMER = "customer", _("customer")
    VEHICLE = "vehicle", _("vehicle")
    CLASSIFICATION_CHANGE = "classification_change", _("classification change")


class ImportedRecord(models.Model):
    """A record an import batch created or changed: what undoing the batch removes or restores.

    ``object_id`` is not a foreign key on purpose: the line outlives the record it names (undo
    removes created records; the batch keeps saying what it did). ``before`` holds the changed
    fields' earlier values as JSON, encrypted like the ID card number it may contain. ``stamp``
    is the customer's ``updated_at`` right after the import: a later save changes it, and undo
    then refuses, because someone else has touched the record."""

    batch = models.ForeignKey(ImportBatch, models.CASCADE, related_name="records", verbose_name=_("batch"))
    row = models.PositiveIntegerField(_("row"))
    kind = models.CharField(_("kind"), max_length=30, choices=ImportedKind.choices)
    object_id = models.BigIntegerField(_("record"))
    created = models.BooleanField(_("created"))
    before = EncryptedTextField(_("values before"), blank=True, default="")
    stamp = models.DateTimeField(_("saved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")
        indexes = [models.Index(fields=["batch", "kind", "created"], name="imported_record_batch")]
