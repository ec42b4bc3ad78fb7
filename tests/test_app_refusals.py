"""Refusals before any rule: schema, identifiers, unknown persons and the simulated clock (DOMAIN.md §15.1).

Every refusal leaves the store untouched and writes no command record, so the same serial, resent after the
cause is fixed, is applied."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from app_helpers import USCC, apply, at, citizen_id, contribute, enroll, refuse, version

from domain.application import PoolingApplication

ZHANG = "440306197901010037"


@pytest.fixture
def app(simulated_env: dict[str, str]) -> Iterator[PoolingApplication]:
    application = PoolingApplication(env=simulated_env)
    yield application
    application.close()


BAD_CITIZEN_IDS = [
    ("440306197901010036", "invalid_citizen_id"),  # wrong check character (…37 is right)
    ("440306790101003", "invalid_citizen_id"),  # 15 digits: the province must upgrade it first
    (citizen_id("1979-02-30", region="440306"), "invalid_citizen_id"),  # 30 February is no date
    (citizen_id("2030-01-01", region="440306"), "invalid_citizen_id"),  # born after the recorded date
    (citizen_id("1979-01-01", region="240306"), "invalid_citizen_id"),  # 24 is no province of table 1.3
    (citizen_id("1979-01-01", region="810000"), "unsupported_id_region"),  # Hong Kong: out of scope
    (citizen_id("1979-01-01", region="710000"), "unsupported_id_region"),  # Taiwan
    (citizen_id("1979-01-01", region="910000"), "unsupported_id_region"),  # 9x: foreigners' numbers
]


def test_a_citizen_id_that_fails_gb_11643_is_refused(app: PoolingApplication) -> None:
    for citizen, code in BAD_CITIZEN_IDS:
        refuse(app, enroll(citizen, "44", "2021-01-04", serial="44-E-1"), code)

    # Fixed, the same serial is applied: the refusals left no command record.
    apply(app, enroll(ZHANG, "44", "2021-01-04", serial="44-E-1"))


def test_a_lower_case_x_is_normalized_to_one_stream(app: PoolingApplication) -> None:
    woman = "11010519491231002X"  # §1.1: female, born 1949-12-31
    apply(app, enroll(woman.lower(), "11", "1995-01-03", name="赵敏"))

    assert app.get_person(woman).state.citizen_id == woman
    assert app.get_person(woman.lower()).id == app.get_person(woman).id


def test_an_employer_code_that_fails_gb_32100_is_invalid_uscc(app: PoolingApplication) -> None:
    # A wrong check character, and a character outside the alphabet (I, O, S, V, Z are unused).
    refuse(app, enroll(ZHANG, "44", "2021-01-04", employer_uscc="91350100M000100Y44"), "invalid_uscc")
    refuse(app, enroll(ZHANG, "44", "2021-01-04", employer_uscc="91350100M000100YO3"), "invalid_uscc")
    apply(app, enroll(ZHANG, "44", "2021-01-04", employer_uscc=USCC))
    refuse(app, contribute(ZHANG, "44", "2021-01", 500000, employer_uscc="91350100M000100Y44"), "invalid_uscc")


def test_a_message_that_breaks_the_schema_names_the_field(app: PoolingApplication) -> None:
    apply(app, enroll(ZHANG, "44", "2021-01-04"))

    # A base as a string or a float, a negative base, an unknown field, a missing field: invalid_field.
    for bad, field in [
        ({"base_fen": "500000"}, "base_fen"),
        ({"base_fen": 5000.0}, "base_fen"),
        ({"base_fen": -1}, "base_fen"),
        ({"period": "2021-13"}, "period"),
        ({"bonus_fen": 1}, "bonus_fen"),
    ]:
        error = refuse(app, {**contribute(ZHANG, "44", "2021-01", 500000), **bad}, "invalid_field")
        assert error.field == field
    missing = contribute(ZHANG, "44", "2021-01", 500000)
    del missing["period"]
    assert refuse(app, missing, "invalid_field").field == "period"
    # A simulated store needs recorded_at on every message.
    undated = contribute(ZHANG, "44", "2021-01", 500000)
    del undated["recorded_at"]
    assert refuse(app, undated, "invalid_field").field == "recorded_at"
    # A type no one knows is unknown_type.
    refuse(app, {**contribute(ZHANG, "44", "2021-01", 500000), "type": "refund"}, "unknown_type")
    assert version(app, ZHANG) == 2


def test_every_message_but_an_enrollment_needs_a_known_person(app: PoolingApplication) -> None:
    refuse(app, contribute(ZHANG, "44", "2021-01", 500000), "unknown_person")


def test_the_simulated_clock_never_goes_backwards(app: PoolingApplication) -> None:
    apply(app, enroll(ZHANG, "44", "2021-01-04"))
    apply(app, contribute(ZHANG, "44", "2021-01", 500000, on="2021-01-20"))

    # A message recorded before the store's latest recorded_at is clock_backwards.
    late = contribute(ZHANG, "44", "2021-02", 500000, on="2021-01-19", serial="44-C-FEB")
    refuse(app, late, "clock_backwards")
    # The same instant is not backwards; and the refused serial, resent on time, is applied.
    apply(app, contribute(ZHANG, "44", "2021-02", 500000, on="2021-02-15", serial="44-C-FEB"))
    reopened = PoolingApplication(env=app.env)
    try:
        # Another application on the same store starts from the store's latest recorded_at.
        refuse(reopened, contribute(ZHANG, "44", "2021-03", 500000, on="2021-02-14"), "clock_backwards")
        apply(reopened, contribute(ZHANG, "44", "2021-03", 500000, on=at("2021-03-01", "00:00:00")))
    finally:
        reopened.close()
