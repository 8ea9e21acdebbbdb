"""Which column holds what: the one table of header synonyms, and finding the header row.

A header matches a field when, normalised (NFKC, case and spaces, punctuation and units in
brackets dropped), it equals one of the field's synonyms below or the field's own label in
either language, so a file this system exported reads back in.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..models import Customer, Vehicle

#: field -> the headers dealers' spreadsheets use for it (matched after ``normalise_header``).
SYNONYMS: dict[str, tuple[str, ...]] = {
    # the customer
    "name": ("姓名", "客户姓名", "客户名称", "客户名", "车主", "车主姓名", "名称", "name", "customer name", "customer",
             "full name"),
    "mobile": ("手机", "手机号", "手机号码", "移动电话", "联系电话", "联系手机", "电话", "mobile", "mobile phone",
               "mobile number", "cell phone", "phone"),
    "national_id": ("身份证号", "身份证", "身份证号码", "证件号", "证件号码", "id number", "id card number", "id card",
                    "national id"),
    "gender": ("性别", "gender", "sex"),
    "birthday": ("生日", "出生日期", "出生年月日", "birthday", "date of birth", "birth date", "dob"),
    "city": ("城市", "所在城市", "city"),
    "address": ("地址", "联系地址", "家庭住址", "住址", "通讯地址", "address"),
    # 客户类型 on a dealer's list says 个人 or 单位 (person or company), not the class of DOMAIN.md section 3
    "kind": ("客户性质", "客户类型", "个人/单位", "个人或单位", "kind", "customer kind"),
    "classification": ("客户类别", "客户分类", "类别", "classification", "class"),
    # the vehicle
    "vin": ("车架号", "vin", "vin码", "车辆识别代号", "车辆识别号", "车辆识别码", "底盘号"),
    "plate": ("车牌", "车牌号", "车牌号码", "号牌号码", "plate", "licence plate", "license plate", "plate number"),
    "make": ("品牌", "厂牌", "make", "brand"),
    "model": ("车型", "车系", "model", "vehicle model"),
    "purchase_date": ("购车日期", "购买日期", "开票日期", "交车日期", "purchase date", "bought on"),
    "mileage_km": ("里程", "行驶里程", "里程数", "公里数", "当前里程", "mileage", "odometer"),
    "insurance_expiry": ("保险到期", "保险到期日", "保险到期日期", "保险截止日期", "insurance expiry",
                         "insurance expires", "insurance due"),
    "sold_by_us": ("本店销售", "本店售出", "sold by us"),
}

CUSTOMER_COLUMNS = ("name", "mobile", "national_id", "gender", "birthday", "city", "address", "kind",
                    "classification")
VEHICLE_COLUMNS = ("vin", "plate", "make", "model", "purchase_date", "mileage_km", "insurance_expiry", "sold_by_us")

#: How far down the header row may be (files often start with a title line or two).
HEADER_SEARCH_ROWS = 10

_BRACKETED = re.compile(r"[(\[（【].*?[)\]）】]")
_DROPPED = re.compile(r"[\s*:：_\-—.·/]+")


def normalise_header(text) -> str:
    """``" 手机号码（必填）* "`` -> ``"手机号码"``; ``"Mileage (km)"`` -> ``"mileage"``."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    text = _BRACKETED.sub("", text)
    return _DROPPED.sub("", text)


def _labels() -> dict[str, str]:
    """The fields' own labels (model verbose names) in both languages, so exports read back."""
    labels = {}
    for field in CUSTOMER_COLUMNS + VEHICLE_COLUMNS:
        model = Customer if field in CUSTOMER_COLUMNS else Vehicle
        for language in ("en", "zh-hans"):
            with translation.override(language):
                labels[normalise_header(model._meta.get_field(field).verbose_name)] = field
    return labels


def header_table() -> dict[str, str]:
    """normalised header -> field."""
    table = _labels()
    for field, names in SYNONYMS.items():
        table.update({normalise_header(name): field for name in names})
    return table


def field_label(field: str) -> str:
    """A field's label for pages and reports (its model field's verbose name)."""
    model = Customer if field in CUSTOMER_COLUMNS else Vehicle
    return str(model._meta.get_field(field).verbose_name)


def field_choices() -> list[tuple[str, str]]:
    """Choices for a column's field on the preview page: nothing, or one of the fields."""
    return [("", _("(not imported)"))] + [(field, field_label(field)) for field in CUSTOMER_COLUMNS + VEHICLE_COLUMNS]


@dataclass(frozen=True)
class Header:
    """The header row: its index among the rows read, the headings, and the field of each
    column (``None``: not imported)."""

    index: int
    headings: list[str]
    fields: list[str | None]

    def column_of(self, field: str) -> int | None:
        return self.fields.index(field) if field in self.fields else None


def detect(rows: list[tuple[int, list]]) -> Header | None:
    """The header among the first rows: the row where most cells name a field (at least two,
    one of them the name or the mobile). A field named twice keeps its first column."""
    table = header_table()
    best: Header | None = None
    best_count = 0
    for index, (_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        fields: list[str | None] = []
        for cell in cells:
            field = table.get(normalise_header(cell)) if isinstance(cell, str) else None
            fields.append(field if field not in fields else None)
        found = [f for f in fields if f]
        if len(found) >= 2 and {"name", "mobile"} & set(found) and len(found) > best_count:
            best = Header(index, [str(c).strip() if c is not None else "" for c in cells], fields)
            best_count = len(found)
    return best


def with_mapping(header: Header, mapping: dict[int, str]) -> Header:
    """The header with the fields a person chose per column on the preview page (``""``: not
    imported). Unknown fields are dropped; a field chosen twice keeps its first column."""
    known = set(CUSTOMER_COLUMNS + VEHICLE_COLUMNS)
    fields: list[str | None] = []
    for index in range(len(header.headings)):
        field = mapping.get(index, header.fields[index] or "")
        fields.append(field if field in known and field not in fields else None)
    return Header(header.index, header.headings, fields)
