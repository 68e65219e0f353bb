"""The 14-digit PIN: decoding, cleaning, errors, disagreements with the record, encode round trip."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from okmot.identity import pin as pins
from okmot.identity.pin import PinError, decode, disagreements, encode


# --------------------------------------------------------------------------- valid PINs


def test_decode_female():
    d = decode("10503199012345")
    assert d.pin == "10503199012345"
    assert d.sex == "F"
    assert d.birth_date == dt.date(1990, 3, 5)
    assert d.serial == "12345"


def test_decode_male():
    d = decode("22912200000007")
    assert d.sex == "M"
    assert d.birth_date == dt.date(2000, 12, 29)
    assert d.serial == "00007"


def test_decode_leap_day():
    assert decode("12902200400001").birth_date == dt.date(2004, 2, 29)


@pytest.mark.parametrize("typed", [
    "2 0503 1990 12345",
    "2-0503-1990-12345",
    " 20503199012345 ",
    "2\t05031990-123 45",
])
def test_spaces_and_dashes_are_cleaned(typed):
    d = decode(typed)
    assert d.pin == "20503199012345"
    assert d.sex == "M"
    assert d.birth_date == dt.date(1990, 3, 5)
    assert d.serial == "12345"


def test_clean_keeps_other_characters():
    assert pins.clean(" 12-34 5\t6") == "123456"
    # Only separators are dropped: letters stay, so that decode can complain about them.
    assert pins.clean("12a4") == "12a4"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("text", ["2050319901234a", "2O503199012345", "ПИН05031990123", "", "2.0503199012345"])
def test_non_digits_refused(text):
    with pytest.raises(PinError) as exc:
        decode(text)
    assert exc.value.message == "A PIN may contain only digits."
    assert str(exc.value) == exc.value.message


def test_non_ascii_digits_refused():
    # Arabic-Indic digits are "digits" to str.isdigit but not a PIN.
    with pytest.raises(PinError, match="only digits"):
        decode("٢٠٥٠٣١٩٩٠١٢٣٤٥")


@pytest.mark.parametrize("text, n", [("2050319901234", 13), ("205031990123456", 15), ("2", 1),
                                     ("2 0503 1990 1234", 13)])
def test_wrong_length_names_the_length(text, n):
    with pytest.raises(PinError) as exc:
        decode(text)
    assert exc.value.message == f"A PIN has 14 digits; this one has {n}."


@pytest.mark.parametrize("first", "03456789")
def test_first_digit_must_be_1_or_2(first):
    with pytest.raises(PinError) as exc:
        decode(first + "0503199012345")
    assert "first digit" in exc.value.message
    assert "1 (female) or 2 (male)" in exc.value.message


@pytest.mark.parametrize("date_digits", [
    "31021990",  # 31 February
    "29022001",  # 29 February of a common year
    "10001990",  # month 00
    "10131990",  # month 13
    "00011990",  # day 00
    "31041990",  # 31 April
])
def test_impossible_dates_refused(date_digits):
    with pytest.raises(PinError) as exc:
        decode("2" + date_digits + "00001")
    assert "real birth date" in exc.value.message
    assert date_digits in exc.value.message


def test_future_birth_date_refused():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(PinError) as exc:
        decode(encode("M", tomorrow, 1))
    assert exc.value.message == f"The birth date in the PIN ({tomorrow:%d.%m.%Y}) is impossible."


def test_today_is_accepted():
    today = dt.date.today()
    assert decode(encode("F", today, 99999)).birth_date == today


def test_too_old_birth_date_refused():
    with pytest.raises(PinError, match="01.01.1850"):
        decode("20101185000001")


def test_pin_error_is_a_value_error():
    assert issubclass(PinError, ValueError)


# --------------------------------------------------------------------------- disagreements


def test_no_disagreement_when_record_matches():
    d = decode("10503199012345")
    assert disagreements(d, sex="F", birth_date=dt.date(1990, 3, 5)) == []


def test_no_disagreement_when_record_is_silent():
    d = decode("10503199012345")
    assert disagreements(d, sex=None, birth_date=None) == []


def test_wrong_sex_reported():
    d = decode("10503199012345")
    problems = disagreements(d, sex="M", birth_date=dt.date(1990, 3, 5))
    assert problems == ["The PIN says the person is female, but the record says male."]


def test_wrong_birth_date_reported():
    d = decode("20503199012345")
    problems = disagreements(d, sex="M", birth_date=dt.date(1990, 5, 3))
    assert problems == ["The PIN gives birth date 05.03.1990, but the record says 03.05.1990."]


def test_both_disagreements_reported():
    d = decode("20503199012345")
    problems = disagreements(d, sex="F", birth_date=dt.date(1991, 3, 5))
    assert len(problems) == 2
    assert "male" in problems[0] and "female" in problems[0]
    assert "05.03.1991" in problems[1]


# --------------------------------------------------------------------------- encode


def test_encode_layout():
    assert encode("F", dt.date(1990, 3, 5), 12345) == "10503199012345"
    assert encode("M", dt.date(2001, 11, 9), 7) == "20911200100007"


def test_encode_decode_example():
    pin = encode("M", dt.date(1985, 7, 14), 42)
    assert len(pin) == pins.PIN_LENGTH
    d = decode(pin)
    assert (d.sex, d.birth_date, d.serial) == ("M", dt.date(1985, 7, 14), "00042")


@settings(max_examples=200, deadline=None)
@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today()),
    sex=st.sampled_from(["F", "M"]),
    serial=st.integers(min_value=0, max_value=99_999),
)
def test_encode_decode_round_trip(birth, sex, serial):
    pin = encode(sex, birth, serial)
    assert len(pin) == 14 and pin.isdigit()
    d = decode(pin)
    assert d.pin == pin
    assert d.sex == sex
    assert d.birth_date == birth
    assert d.serial == f"{serial:05d}"
    assert int(d.serial) == serial
    assert disagreements(d, sex=sex, birth_date=birth) == []
