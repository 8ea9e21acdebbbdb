"""Valid, unique identifiers in bulk: mobiles, VINs, plates, ID card numbers.

Each function draws ``n`` values at once with numpy (no loop over rows) and returns a numpy
string array. The demo's records must pass the same validators a clerk's input does, so the
tests run samples through ``customers.validators``.
"""

import numpy as np

#: Mobile prefixes of China's carriers (all valid for ``phonenumbers``).
MOBILE_PREFIXES = np.array(
    ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
     "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185", "186",
     "187", "188", "189", "191", "198", "199"]
)
#: Characters allowed in VINs and in the serial part of plates: digits and A-Z without I, O, Q.
VIN_ALPHABET = np.array(list("0123456789ABCDEFGHJKLMNPRSTUVWXYZ"))
PLATE_ALPHABET = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"))  # plates allow Q, not I or O

# ISO 3779 / GB 16735 check digit: transliterate letters, weight by position, sum mod 11.
_VIN_VALUES = np.zeros(128, dtype=np.int64)
_VIN_VALUES[[ord(c) for c in "0123456789"]] = range(10)
for _letters, _start in (("ABCDEFGH", 1), ("JKLMN", 1), ("P", 7), ("R", 9), ("STUVWXYZ", 2)):
    _VIN_VALUES[[ord(c) for c in _letters]] = range(_start, _start + len(_letters))
_VIN_WEIGHTS = np.array([8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2])
#: Model-year codes (VIN position 10) for 2001-2030.
_YEAR_CODES = {year: code for year, code in zip(range(2001, 2031), "123456789ABCDEFGHJKLMNPRSTVWXY")}

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))


def _join(chars: np.ndarray) -> np.ndarray:
    """Rows of single characters (n, k) -> n strings of length k."""
    return np.ascontiguousarray(chars.astype("<U1")).view(f"<U{chars.shape[1]}").ravel()


def _padded(numbers: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded decimal strings of ``width`` characters."""
    return np.strings.zfill(np.asarray(numbers).astype(str), width)


def mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct Chinese mobile numbers in E.164 (+86 and 11 digits)."""
    space = len(MOBILE_PREFIXES) * 10**8
    codes = rng.choice(space, size=n, replace=False)
    prefixes, lines = np.divmod(codes, 10**8)
    return np.char.add(np.char.add("+86", MOBILE_PREFIXES[prefixes]), _padded(lines, 8))


def vin_check_digits(vins_without_check: np.ndarray) -> np.ndarray:
    """Check characters for 17-character VINs whose 9th character is a placeholder."""
    codes = np.frombuffer(vins_without_check.astype("<U17").tobytes(), dtype="<u4").reshape(-1, 17)
    remainder = (_VIN_VALUES[codes] * _VIN_WEIGHTS).sum(axis=1) % 11
    return np.where(remainder == 10, "X", remainder.astype(str))


def vins(rng: np.random.Generator, wmis: np.ndarray, model_years: np.ndarray) -> np.ndarray:
    """Distinct VINs: maker code, random descriptor, check digit, model year, plant, serial.

    Plant letter and six-digit serial together are drawn without replacement, so no two VINs
    share their last seven characters."""
    n = len(wmis)
    descriptor = _join(VIN_ALPHABET[rng.integers(0, len(VIN_ALPHABET), size=(n, 5))])
    year = np.array(list(_YEAR_CODES.values()))[np.clip(model_years, 2001, 2030) - 2001]
    plant, serial = np.divmod(rng.choice(23 * 10**6, size=n, replace=False), 10**6)
    tail = np.char.add(np.char.add(year, VIN_ALPHABET[10 + plant]), _padded(serial, 6))
    stem = np.char.add(wmis.astype("<U3"), descriptor)
    check = vin_check_digits(np.char.add(np.char.add(stem, "0"), tail))
    return np.char.add(np.char.add(stem, check), tail)


def plates(rng: np.random.Generator, prefixes: np.ndarray, new_energy: np.ndarray) -> np.ndarray:
    """Distinct plates like 沪A·K7123: the city's prefix, two letters-or-digits and three digits;
    new-energy plates put a D first."""
    n = len(prefixes)
    letters = len(PLATE_ALPHABET)
    if n <= letters**2 * 1000:
        head, number = np.divmod(rng.choice(letters**2 * 1000, size=n, replace=False), 1000)
        first, second = np.divmod(head, letters)
        serial = np.char.add(np.char.add(PLATE_ALPHABET[first], PLATE_ALPHABET[second]), _padded(number, 3))
    else:  # more cars than that pattern has plates (the large demo): three letters-or-digits, two digits
        head, number = np.divmod(rng.choice(letters**3 * 100, size=n, replace=False), 100)
        head, third = np.divmod(head, letters)
        first, second = np.divmod(head, letters)
        serial = np.char.add(np.char.add(np.char.add(PLATE_ALPHABET[first], PLATE_ALPHABET[second]),
                                         PLATE_ALPHABET[third]), _padded(number, 2))
    return np.char.add(np.char.add(prefixes.astype("<U2"), np.where(new_energy, "D", "")), serial)


def national_ids(rng: np.random.Generator, area_codes: np.ndarray, birthdays: np.ndarray, male: np.ndarray):
    """GB 11643 ID card numbers: area, birth date, sequence (odd for men), check code."""
    n = len(area_codes)
    born = np.char.replace(np.datetime_as_string(birthdays.astype("datetime64[D]")), "-", "")
    sequence = rng.integers(0, 500, size=n) * 2 + male.astype(np.int64)
    first17 = np.char.add(np.char.add(area_codes.astype("<U6"), born), _padded(sequence, 3))
    digits = np.frombuffer(first17.astype("<U17").tobytes(), dtype="<u4").reshape(-1, 17) - ord("0")
    return np.char.add(first17, _ID_CHECK[(digits * _ID_WEIGHTS).sum(axis=1) % 11])
