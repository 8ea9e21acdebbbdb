"""Validation and normalisation of the identifiers a customer record carries.

Each function returns the normalised value or raises ``ValidationError`` with a message that
says what is wrong, so forms, the API and imports give the same answer to the same mistake.
"""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

VIN_PATTERN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
# GB 11643-1999: weights 2^(17-i) mod 11 for positions 1..17; check code from the remainder.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PLATE_PATTERN = re.compile(r"^[\u4e00-\u9fa5][A-Z][A-Z0-9]{5,6}$")


def normalise_mobile(value: str) -> str:
    """A mobile number in E.164 (``+8613812341234``). Numbers without a country code are Chinese."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Enter a mobile number."), code="required")
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": raw}, code="invalid")
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a valid phone number.") % {"value": raw}, code="invalid")
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(_("“%(value)s” is not a mobile number.") % {"value": raw}, code="not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_vin(value: str) -> str:
    """A vehicle identification number: 17 characters, digits and capitals without I, O and Q."""
    vin = (value or "").strip().upper()
    if len(vin) != 17:
        raise ValidationError(
            _("A VIN has 17 characters; this one has %(n)d.") % {"n": len(vin)}, code="length"
        )
    if not VIN_PATTERN.match(vin):
        raise ValidationError(
            _("A VIN uses only digits and the letters A–Z without I, O and Q."), code="characters"
        )
    return vin


def national_id_check_code(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def normalise_national_id(value: str) -> str:
    """A resident identity card number (GB 11643-1999): 17 digits and a check code (digit or X)."""
    number = (value or "").strip().upper()
    if len(number) != 18:
        raise ValidationError(
            _("An ID card number has 18 characters; this one has %(n)d.") % {"n": len(number)}, code="length"
        )
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise ValidationError(_("An ID card number is 17 digits followed by a digit or X."), code="characters")
    if national_id_check_code(number[:17]) != number[17]:
        raise ValidationError(_("The ID card number's check digit does not match."), code="check_digit")
    return number


def normalise_plate(value: str) -> str:
    """A Chinese licence plate: province character, a letter, then 5 (or 6, new energy) characters."""
    plate = re.sub(r"[\s·.\-]", "", (value or "")).upper()
    if not _PLATE_PATTERN.match(plate):
        raise ValidationError(_("“%(value)s” is not a licence plate like 沪A12345.") % {"value": value}, code="invalid")
    return plate
