"""Generated identifiers are valid by the same validators a clerk's input meets, and unique."""

import numpy as np
import pytest

from retain.customers.validators import normalise_mobile, normalise_national_id, normalise_plate, normalise_vin
from retain.demo import identifiers


@pytest.fixture
def rng():
    return np.random.default_rng(2026)


def test_mobiles_are_valid_unique_e164(rng):
    numbers = identifiers.mobiles(rng, 50_000)
    assert len(set(numbers.tolist())) == 50_000
    for number in numbers[:: 50]:
        assert normalise_mobile(number) == number


def test_vin_check_digit_matches_the_textbook_example():
    # The worked example of the North American check-digit rule (ISO 3779 / 49 CFR 565):
    # 1M8GDM9AXKP042788 has check character X.
    assert identifiers.vin_check_digits(np.array(["1M8GDM9A0KP042788"])).tolist() == ["X"]
    assert identifiers.vin_check_digits(np.array(["11111111011111111"])).tolist() == ["1"]


def test_vins_are_valid_unique_and_carry_their_check_digit(rng):
    n = 30_000
    vins = identifiers.vins(rng, np.array(["LSV", "LFV", "LHG"])[rng.integers(0, 3, n)], rng.integers(2005, 2027, n))
    assert len(set(vins.tolist())) == n
    assert (identifiers.vin_check_digits(vins) == np.array([v[8] for v in vins.tolist()])).all()
    for vin in vins[:: 100]:
        assert normalise_vin(vin) == vin
    assert not any(set(v) & set("IOQ") for v in vins.tolist())


def test_plates_are_valid_and_unique(rng):
    n = 30_000
    plates = identifiers.plates(rng, np.array(["沪A", "京N"])[rng.integers(0, 2, n)], rng.random(n) < 0.2)
    assert len(set(plates.tolist())) == n
    for plate in plates[:: 100]:
        assert normalise_plate(plate) == plate
    assert {len(p) for p in plates.tolist()} == {7, 8}


def test_national_ids_pass_gb11643(rng):
    n = 5_000
    born = np.datetime64("1960-01-01") + rng.integers(0, 40 * 365, n)
    male = rng.random(n) < 0.5
    ids = identifiers.national_ids(rng, np.full(n, "310115"), born, male)
    for number, birthday, is_male in zip(ids.tolist(), born.tolist(), male.tolist()):
        assert normalise_national_id(number) == number
        assert number[6:14] == birthday.strftime("%Y%m%d")
        assert int(number[16]) % 2 == int(is_male)


def test_plates_stay_unique_beyond_the_two_letter_pattern(rng):
    """The large demo has more cars (1.24 million) than 沪A·K7123 plates exist (34² × 1000)."""
    n = 1_200_000
    plates = identifiers.plates(rng, np.full(n, "沪A"), np.zeros(n, dtype=bool))
    assert len(np.unique(plates)) == n
    for plate in plates[:: 10_000]:
        assert normalise_plate(plate) == plate
