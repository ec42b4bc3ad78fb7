"""Citizen IDs (GB 11643-1999) and unified social credit codes (GB 32100-2015), DOMAIN.md §1.1, §1.2, §15.1(4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from standards.calendar import Month
from standards.codes import ID_PROVINCES, ErrorCode
from standards.identifiers import (
    USCC_ALPHABET,
    CitizenId,
    IdentifierError,
    Uscc,
    check_character,
    china_today,
    make_citizen_id,
    make_uscc,
    parse_citizen_id,
    parse_uscc,
    uscc_check_character,
)

TODAY = date(2025, 6, 30)


def with_check(first17: str) -> str:
    """A number whose check character is right, so only the rule under test can fail."""
    return first17 + check_character(first17)


def reason_of(text: str, today: date = TODAY) -> tuple[ErrorCode, str]:
    with pytest.raises(IdentifierError) as caught:
        parse_citizen_id(text, today=today)
    return caught.value.code, caught.value.reason


# --- worked examples of DOMAIN.md §1.1 and §1.2 --------------------------------------------------------------


def test_the_beijing_example_is_a_woman_born_1949_12_31() -> None:
    assert check_character("11010519491231002") == "X"  # S = 167, 167 mod 11 = 2
    assert parse_citizen_id("11010519491231002X") == CitizenId("11010519491231002X", "11", date(1949, 12, 31), "female")


def test_the_person_of_section_8_5_is_a_man_born_1965_03_15() -> None:
    person = parse_citizen_id("320102196503151231")
    assert (person.province, person.birth, person.sex) == ("32", date(1965, 3, 15), "male")
    assert person.birth_month == Month(1965, 3)


@pytest.mark.parametrize(
    ("number", "province", "birth", "sex"),
    [("320583198207222647", "32", date(1982, 7, 22), "female"), ("440306197901010037", "44", date(1979, 1, 1), "male")],
)
def test_more_valid_numbers(number: str, province: str, birth: date, sex: str) -> None:
    person = parse_citizen_id(number)
    assert (person.number, person.province, person.birth, person.sex) == (number, province, birth, sex)


def test_a_wrong_check_digit_is_refused() -> None:
    assert reason_of("110105194912310021") == (ErrorCode.INVALID_CITIZEN_ID, "bad check digit")


def test_a_lower_case_x_is_normalized() -> None:
    person = parse_citizen_id("11010519491231002x")
    assert person.number == "11010519491231002X"
    assert str(person) == "11010519491231002X"


def test_the_uscc_example() -> None:
    assert uscc_check_character("91350100M000100Y4") == "3"  # S = 1640, 1640 mod 31 = 28, 31 - 28 = 3
    code = parse_uscc("91350100M000100Y43")
    assert code == Uscc("91350100M000100Y43")
    assert (code.registration_authority, code.category) == ("9", "1")
    assert (code.division_code, code.entity_identifier) == ("350100", "M000100Y4")


# --- every reason of the citizen ID ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("110105194912310", "15-digit number must be upgraded"),
        ("11010519491231002", "bad length"),
        ("11010519491231002X0", "bad length"),
        (" 11010519491231002X", "bad length"),  # nothing is stripped silently
        ("", "bad length"),
        ("1101051949123100XX", "bad character"),
        ("11010519491231002Y", "bad character"),
        ("110105194912310x2X", "bad character"),  # only the check position may be an x
        ("１1010519491231002X", "bad character"),  # a full-width digit
        ("٣20102196503151231", "bad character"),  # an Arabic-Indic digit passes str.isdigit()
        (with_check("10010519491231002"), "unknown province"),
        (with_check("66010519491231002"), "unknown province"),  # XPCC is a unit, never an ID prefix
        (with_check("00010519491231002"), "unknown province"),
        (with_check("11010519490230002"), "birth date not a real date"),
        (with_check("11010519491301002"), "birth date not a real date"),
        (with_check("11010500000101002"), "birth date not a real date"),
        (with_check("11010518991231002"), "birth date before 1900"),
        (with_check("11010520250701002"), "birth date in the future"),
    ],
)
def test_invalid_citizen_ids_name_their_reason(text: str, reason: str) -> None:
    assert reason_of(text) == (ErrorCode.INVALID_CITIZEN_ID, reason)


@pytest.mark.parametrize("prefix", ["71", "81", "82", "83", "90", "91", "99"])
def test_taiwan_hong_kong_macao_permits_and_9x_are_out_of_scope(prefix: str) -> None:
    assert reason_of(with_check(prefix + "010519491231002")) == (
        ErrorCode.UNSUPPORTED_ID_REGION,
        "unsupported region",
    )


def test_a_birth_on_the_recorded_date_is_allowed_and_the_day_after_is_not() -> None:
    born_today = make_citizen_id("11", TODAY, 2)
    assert parse_citizen_id(born_today, today=TODAY).birth == TODAY
    assert reason_of(born_today, today=TODAY - timedelta(days=1))[1] == "birth date in the future"


def test_the_default_today_is_the_china_standard_time_date() -> None:
    tomorrow_in_china = make_citizen_id("11", china_today() + timedelta(days=1), 2)
    with pytest.raises(IdentifierError, match="birth date in the future"):
        parse_citizen_id(tomorrow_in_china)


def test_checks_run_in_the_documented_order() -> None:
    # Each number also has a wrong check digit: the earlier failure must answer.
    assert reason_of("8101051949123100X1")[1] == "bad character"
    assert reason_of("810105194902300021") == (ErrorCode.UNSUPPORTED_ID_REGION, "unsupported region")
    assert reason_of("100105194902300021")[1] == "unknown province"
    assert reason_of("110105194902300021")[1] == "birth date not a real date"


def test_a_value_that_is_not_a_string_is_refused() -> None:
    assert reason_of(11010519491231002)[1] == "not a string"  # type: ignore[arg-type]


def test_the_error_is_one_value_error_with_code_reason_and_field() -> None:
    with pytest.raises(ValueError) as caught:
        parse_citizen_id("110105194912310021", field="citizen_id")
    error = caught.value
    assert isinstance(error, IdentifierError)
    assert (error.code, error.reason, error.field) == (ErrorCode.INVALID_CITIZEN_ID, "bad check digit", "citizen_id")
    message = str(error)
    assert "bad check digit" in message and "citizen_id" in message and "\n" not in message
    assert "110105194912310021" not in message  # personal data stays out of logs
    assert IdentifierError(ErrorCode.INVALID_USCC, "bad length").field is None


# --- builders ------------------------------------------------------------------------------------------------


def test_make_citizen_id_takes_the_sex_from_the_last_sequence_digit() -> None:
    assert make_citizen_id("32", date(1965, 3, 15), 123, county="0102") == "320102196503151231"
    assert parse_citizen_id(make_citizen_id("44", date(1990, 1, 1), 8)).sex == "female"
    assert make_citizen_id("65", date(1990, 1, 1), 7).startswith("650101")


@pytest.mark.parametrize(
    ("province", "birth", "sequence", "county"),
    [
        ("66", date(1990, 1, 1), 1, "0101"),
        ("81", date(1990, 1, 1), 1, "0101"),
        ("11", date(1990, 1, 1), 1000, "0101"),
        ("11", date(1990, 1, 1), -1, "0101"),
        ("11", date(1899, 12, 31), 1, "0101"),
        ("11", date(1990, 1, 1), 1, "01"),
    ],
)
def test_make_citizen_id_refuses_what_would_not_be_valid(
    province: str, birth: date, sequence: int, county: str
) -> None:
    with pytest.raises(ValueError):
        make_citizen_id(province, birth, sequence, county=county)


def test_check_character_needs_17_ascii_digits() -> None:
    for bad in ("1101051949123100", "1101051949123100A", "11010519491231002X"):
        with pytest.raises(ValueError):
            check_character(bad)


def test_make_uscc_computes_both_check_characters() -> None:
    assert make_uscc("350100", "M000100Y") == "91350100M000100Y43"
    built = parse_uscc(make_uscc("440300", 12345, authority="Y", category="1"))
    assert built.registration_authority == "Y"
    assert built.entity_identifier.startswith("00012345")
    for division, org in [("35010", "M000100Y"), ("350100", "M000100"), ("350100", "I0001000")]:
        with pytest.raises(ValueError):
            make_uscc(division, org)


# --- the USCC's reasons --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("91350100M000100Y4", "bad length"),
        ("91350100M000100Y433", "bad length"),
        ("91350100m000100y43", "bad character"),  # upper case only, nothing normalized
        ("91350100O000100Y43", "bad character"),  # I, O, S, V, Z are not in the alphabet
        ("91350100M000100Y44", "bad check character"),
        (12, "not a string"),
    ],
)
def test_invalid_usccs_name_their_reason(text: str, reason: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_uscc(text, field="employer_uscc")
    assert (caught.value.code, caught.value.reason, caught.value.field) == (
        ErrorCode.INVALID_USCC,
        reason,
        "employer_uscc",
    )


# --- properties ----------------------------------------------------------------------------------------------

births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
first17s = st.builds(
    lambda province, county, birth, sequence: f"{province}{county}{birth:%Y%m%d}{sequence:03d}",
    st.sampled_from(sorted(ID_PROVINCES)),
    st.from_regex(r"\A[0-9]{4}\Z"),
    births,
    st.integers(0, 999),
)
uscc_first17s = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)


@given(first17s)
def test_any_well_formed_number_with_its_check_character_round_trips(first17: str) -> None:
    person = parse_citizen_id(first17 + check_character(first17), today=TODAY)
    assert person.number == first17 + check_character(first17)
    assert person.province == first17[:2]
    assert f"{person.birth:%Y%m%d}" == first17[6:14]
    assert person.sex == ("male" if int(first17[16]) % 2 else "female")


@given(first17s, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_changing_any_one_character_makes_a_valid_number_invalid(first17: str, position: int, new: str) -> None:
    number = first17 + check_character(first17)
    if position < 17 and new == "X":
        new = "0"  # positions 1-17 are digits: an X there would only test "bad character"
    changed = number[:position] + new + number[position + 1 :]
    if changed != number:
        with pytest.raises(IdentifierError):
            parse_citizen_id(changed, today=TODAY)


@given(uscc_first17s)
def test_any_17_characters_with_their_uscc_check_character_round_trip(first17: str) -> None:
    code = first17 + uscc_check_character(first17)
    assert parse_uscc(code).code == code


@given(uscc_first17s, st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_changing_any_one_uscc_character_makes_it_invalid(first17: str, position: int, new: str) -> None:
    code = first17 + uscc_check_character(first17)
    changed = code[:position] + new + code[position + 1 :]
    if changed != code:
        with pytest.raises(IdentifierError, match="bad check character"):
            parse_uscc(changed)


@given(st.from_regex(r"\A[0-9]{6}\Z"), st.integers(0, 99_999_999))
def test_make_uscc_always_builds_a_valid_code(division: str, organization: int) -> None:
    assert parse_uscc(make_uscc(division, organization)).division_code == division
