"""Voucher codes: unguessable, easy to read out, and a typo told apart from an unknown code.

A code is 12 characters drawn with ``secrets`` from an alphabet of 31 that a person cannot
confuse (the digits 2-9 and the capitals without I, L and O: no 0/O, 1/I/L), then one check
character. 31 is prime, and the check makes ``sum(position * value) = 0 (mod 31)`` over the 13
characters with positions 1..13: changing one character changes the sum by ``position *
difference``, and swapping two neighbours by ``±difference``, neither of which is 0 modulo a
prime larger than every position and difference; so every single-character typo and every
transposition of two adjacent different characters fails the check.

Entropy: 12 * log2(31) = 59.4 bits (about 7.9 * 10^17 codes). With a million vouchers issued, a
guess hits one with probability 1.3 * 10^-12, and the desk and the API only answer codes in the
caller's scope.

Codes are shown in groups of four (``ABCD-EFGH-JKMN-P``); spaces, dashes and lower case are
accepted when typed back."""

import math
import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BASE = len(ALPHABET)  # 31, a prime
RANDOM_LENGTH = 12
LENGTH = RANDOM_LENGTH + 1
ENTROPY_BITS = RANDOM_LENGTH * math.log2(BASE)
_VALUE = {char: i for i, char in enumerate(ALPHABET)}

assert BASE == 31 and LENGTH < BASE  # the argument above needs a prime base beyond every position


class BadCheckCharacter(ValidationError):
    """The code is well formed but its check character does not match: a typo (the API's 422
    ``bad_check_character``), never an unknown code."""

    code = "bad_check_character"

    def __init__(self, field: str = "code"):
        self.field = field
        super().__init__({field: [ValidationError(
            _("This code has a typing error (its check character does not match): read it again."),
            code=self.code)]})


def check_character(body: str) -> str:
    """The character that makes ``body`` + it pass the check."""
    total = sum((position * _VALUE[char]) for position, char in enumerate(body, start=1))
    weight = len(body) + 1
    # weight * c = -total (mod 31): c = -total * weight^-1
    return ALPHABET[(-total * pow(weight, -1, BASE)) % BASE]


def valid(code: str) -> bool:
    return sum(position * _VALUE[char] for position, char in enumerate(code, start=1)) % BASE == 0


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _i in range(RANDOM_LENGTH))
    return body + check_character(body)


def normalise(value, field: str = "code") -> str:
    """A typed code in its stored form, or ``ValidationError`` (wrong length or characters) or
    ``BadCheckCharacter`` (a typo)."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValidationError({field: _("Enter a voucher code of %(n)d characters.") % {"n": LENGTH}})
    code = "".join(value.split()).replace("-", "").upper()
    if len(code) != LENGTH or any(char not in _VALUE for char in code):
        raise ValidationError({field: _("Enter a voucher code of %(n)d characters.") % {"n": LENGTH}})
    if not valid(code):
        raise BadCheckCharacter(field)
    return code


def grouped(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))
