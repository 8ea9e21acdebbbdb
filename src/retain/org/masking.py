"""Masking of personal data for display, export and logs."""

#: Field names whose values are personal data and are masked wherever shown or logged.
PERSONAL_FIELDS = frozenset({"mobile", "national_id", "birthday", "address", "email"})


def mask_mobile(mobile: str | None) -> str:
    """``+8613812341234`` or ``13812341234`` -> ``138****1234``: enough to recognise, not to call."""
    if not mobile:
        return ""
    digits = mobile[3:] if mobile.startswith("+86") else mobile.lstrip("+")
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_national_id(number: str | None) -> str:
    """Keep the region code's first two digits and the check digit: ``11**************1X``."""
    if not number:
        return ""
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


def mask_value(field: str, value):
    if value in (None, ""):
        return value
    if field == "mobile":
        return mask_mobile(str(value))
    if field == "national_id":
        return mask_national_id(str(value))
    if field in PERSONAL_FIELDS:
        return "***"
    return value
