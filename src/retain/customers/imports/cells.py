"""One cell as a field's value, or the reason it cannot be one.

* Text fields never go through a float. An XLSX number cell becomes text only when it holds a
  whole number Excel keeps exactly (fewer than 16 digits: a mobile number); an ID card number in
  a number cell is refused, because Excel keeps 15 significant digits and the 18-digit number
  has already lost its last ones.
* Dates: date cells as they are; an XLSX number in a date column is an Excel serial date in the
  workbook's own date system (1900 or 1904); text in ISO form (1985-07-03, 1985/7/3), Chinese
  (1985年7月3日), eight digits (19850703), or day and month in either order when only one order
  is a date (25/03/1985). 07/03/1985 is refused as ambiguous, never guessed; so are two-digit years.
* A leading apostrophe before ``= + - @`` is the escape this system's exports add, and is removed.
"""

import datetime as dt
import functools
import re

from django.utils.translation import gettext as _

from retain.bounds import MAX_DATE, MIN_DATE
from retain.org.exports import FORMULA_TRIGGERS

from ..models import Classification, CustomerKind, Gender


class CellError(ValueError):
    """The cell cannot be the field's value; the message says why."""


DATE_FIELDS = {"birthday", "purchase_date", "insurance_expiry"}
INTEGER_FIELDS = {"mileage_km"}
BOOLEAN_FIELDS = {"sold_by_us"}
CHOICE_FIELDS = {"gender", "kind", "classification"}
#: Largest whole number a spreadsheet's number cell holds exactly (Excel: 15 significant digits).
EXACT_DIGITS = 15

_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_CHINESE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$")
_MILEAGE = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(?:\.0+)?\s*(?:km|公里|千米)?$", re.IGNORECASE)

_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "本店"}
_FALSE = {"否", "n", "no", "false", "0", "×", "外店", "他店"}
_GENDERS = {"男": Gender.MALE, "m": Gender.MALE, "male": Gender.MALE, "先生": Gender.MALE,
            "女": Gender.FEMALE, "f": Gender.FEMALE, "female": Gender.FEMALE, "女士": Gender.FEMALE}
_KINDS = {"个人": CustomerKind.PERSON, "私人": CustomerKind.PERSON, "person": CustomerKind.PERSON,
          "公司": CustomerKind.COMPANY, "单位": CustomerKind.COMPANY, "企业": CustomerKind.COMPANY,
          "company": CustomerKind.COMPANY}


def _choices(enum, extra: dict) -> dict:
    from django.utils import translation

    table = {key.lower(): value for key, value in extra.items()}
    for value, label in enum.choices:
        if not value:
            continue
        table[value.lower()] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                table[str(label).lower()] = value
    return table


def value(field: str, cell, epoch=None):
    """The field's value from the cell (``None`` for an empty cell)."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if field in DATE_FIELDS:
        return as_date(cell, epoch)
    if field in INTEGER_FIELDS:
        return _integer(cell)
    if field in BOOLEAN_FIELDS:
        return _boolean(cell)
    text = as_text(field, cell)
    if field in CHOICE_FIELDS:
        return _choice(field, text)
    return text


def as_text(field: str, cell) -> str:
    if isinstance(cell, str):
        text = cell.strip()
        if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_TRIGGERS):
            text = text[1:]
        return text
    if isinstance(cell, bool):
        raise CellError(_("A true/false cell where text was expected."))
    if isinstance(cell, (dt.date, dt.datetime, dt.time)):
        raise CellError(_("A date cell where text was expected."))
    if isinstance(cell, (int, float)):
        if field == "national_id":
            raise CellError(_("The ID card number is stored as a number, so Excel has kept only its first 15 "
                              "digits: format the column as text, type the numbers again and import the file again."))
        if isinstance(cell, float) and not cell.is_integer():
            raise CellError(_("The number %(value)s has decimals where text was expected.") % {"value": cell})
        whole = int(cell)
        if len(str(abs(whole))) > EXACT_DIGITS:
            raise CellError(_("The number has more digits than Excel keeps exactly (15): format the column as "
                              "text, type the value again and import the file again."))
        return str(whole)
    raise CellError(_("This cell cannot be read as text."))


def as_date(cell, epoch=None) -> dt.date:
    if isinstance(cell, dt.datetime):
        day = cell.date()
    elif isinstance(cell, dt.date):
        day = cell
    elif isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if epoch is None:
            raise CellError(_("A number where a date was expected; write the date as YYYY-MM-DD."))
        day = _serial(cell, epoch)
    elif isinstance(cell, str):
        day = date_from_text(cell.strip())
    else:
        raise CellError(_("This cell cannot be read as a date."))
    if not MIN_DATE <= day <= MAX_DATE:
        raise CellError(_("Enter a date between 1900 and 2100."))
    return day


def _serial(number: float, epoch) -> dt.date:
    """An Excel serial date in the workbook's date system (openpyxl's own conversion, which knows
    the 1900 system's phantom 29 February and the 1904 system's offset)."""
    from openpyxl.utils.datetime import from_excel

    if not 1 <= number < 2958466:  # 1900-01-01 .. 9999-12-31 in serials
        raise CellError(_("The number %(value)s is not a date.") % {"value": number})
    moment = from_excel(number, epoch)
    return moment.date() if isinstance(moment, dt.datetime) else moment


def date_from_text(text: str) -> dt.date:
    """A date written as text, or a reason why it is not taken as one."""
    for pattern in (_YMD, _CHINESE, _COMPACT):
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return _real(year, month, day, text)
    match = _DMY.match(text)
    if match:
        first, second, year = match.groups()
        if len(year) == 2:
            raise CellError(_("“%(value)s” has a two-digit year; write the date as YYYY-MM-DD.") % {"value": text})
        first, second = int(first), int(second)
        if first > 12 >= second:
            return _real(int(year), second, first, text)
        if second > 12 >= first:
            return _real(int(year), first, second, text)
        if first == second:
            return _real(int(year), first, first, text)
        raise CellError(_("“%(value)s” is ambiguous: it may be day/month or month/day. Write it as YYYY-MM-DD.")
                        % {"value": text})
    raise CellError(_("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": text})


def _real(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(_("“%(value)s” is not a real date.") % {"value": text})


def _integer(cell) -> int:
    if isinstance(cell, bool):
        raise CellError(_("Enter a whole number."))
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float):
        if cell.is_integer():
            return int(cell)
        raise CellError(_("Enter a whole number."))
    match = _MILEAGE.match(str(cell).strip())
    if not match:
        raise CellError(_("“%(value)s” is not a whole number of kilometres.") % {"value": cell})
    return int(match.group(1).replace(",", ""))


def _boolean(cell) -> bool:
    if isinstance(cell, bool):
        return cell
    text = str(cell).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(_("“%(value)s” is neither yes (是) nor no (否).") % {"value": cell})


@functools.cache
def _choice_tables() -> dict[str, dict]:
    return {"gender": _choices(Gender, _GENDERS), "kind": _choices(CustomerKind, _KINDS),
            "classification": _choices(Classification, {})}


def _choice(field: str, text: str) -> str:
    found = _choice_tables()[field].get(text.lower())
    if found is None:
        raise CellError(_("“%(value)s” is not one of the values this column takes.") % {"value": text})
    return found
