"""Interchange v1 messages (INTERCHANGE.md): strict parsing, one error model, canonical bodies, schemas."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from typer.testing import CliRunner

from api.cli import app
from api.cli.schema_commands import DEFAULT_SCHEMA_DIR
from standards.calendar import Month
from standards.codes import POOLING_UNITS, ErrorCode, MessageType
from standards.interchange import (
    MAX_FEN,
    MESSAGE_MODELS,
    AdjustmentRunMessage,
    Applied,
    CertificationMessage,
    ContributionMessage,
    DeathMessage,
    DossierModel,
    EnrollmentMessage,
    ErrorAnswer,
    InterchangeError,
    LedgerModel,
    MessageBase,
    PayoutRunMessage,
    RetirementMessage,
    canonical_body,
    json_schemas,
    parse_message,
    render,
)

MAN = "320102196503151231"  # DOMAIN.md §8.5
WOMAN_X = "11010519491231002X"  # DOMAIN.md §1.1
USCC = "91350100M000100Y43"  # DOMAIN.md §1.2
M = TypeVar("M", bound=MessageBase)

# One valid message of every type, with every field of INTERCHANGE.md's table (optional ones included).
VALID: dict[str, dict[str, Any]] = {
    "enrollment": {
        "effective": "1995-04-01",
        "kind": "employee",
        "employer_uscc": USCC,
        "name": "王建国",
        "hukou_unit": "32",
        "category": "worker",
        "deemed_months": 60,
        "account_opened": "1995-04",
    },
    "contribution": {"period": "2025-03", "base_fen": 654321, "employer_uscc": USCC, "paid_on": "2025-03-20"},
    "back_payment": {"period": "2023-03", "base_fen": 555000, "reason": "missed months", "paid_on": "2024-02-10"},
    "suspension": {"effective": "2024-06-30", "reason": "unemployed"},
    "employer_change": {"effective": "2024-07-01", "employer_uscc": USCC},
    "transfer_request": {"from_unit": "44"},
    "transfer_send": {"request_serial": "32-TR-1"},
    "transfer_receive": {"request_serial": "32-TR-1"},
    "retirement": {"retirement": "2025-04", "base_wage_fen": 987600, "early_months": 0, "late_months": 3},
    "certification": {"effective": "2025-06-01"},
    "death": {"date_of_death": "2025-09-10", "cause": "accident"},
    "recovery": {"amount_fen": 1100688},
    "correction": {"corrects_serial": "32-C-1", "reason": "keyed twice"},
    "interest_run": {"year": 2024},
    "payout_run": {"month": "2025-05", "paid_on": "2025-05-10"},
    "opening_balance": {"as_of": "2020-12-31", "account_fen": 1234567},
    "migrated_benefit": {
        "retirement": "2025-04",
        "basic_fen": 352988,
        "account_fen": 135588,
        "transitional_fen": 61768,
        "adjustment_fen": 0,
        "divisor": "138.4",
        "account_balance_fen": 18765432,
    },
    "adjustment_run": {"year": 2025, "rate": "0.02"},
}
RUNS_BY_MINISTRY = {"interest_run", "adjustment_run"}
WITHOUT_CITIZEN = RUNS_BY_MINISTRY | {"payout_run"}


def valid(message_type: str, /, **changes: Any) -> dict[str, Any]:
    """A valid message of `message_type`; a change to None removes the field."""
    body: dict[str, Any] = {"type": message_type, "serial": f"S-{message_type.replace('_', '-')}-1"}
    body["unit"] = "00" if message_type in RUNS_BY_MINISTRY else "32"
    if message_type not in WITHOUT_CITIZEN:
        body["citizen_id"] = MAN
    body |= VALID[message_type]
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def parse_as(model: type[M], data: Any) -> M:
    """Parse and check the model, so the test can read the message's own fields."""
    message = parse_message(data)
    assert isinstance(message, model)
    return message


def refused(data: Any) -> InterchangeError:
    with pytest.raises(InterchangeError) as caught:
        parse_message(data)
    return caught.value


FEN_FIELDS = [
    (kind, name) for kind, model in MESSAGE_MODELS.items() for name in model.model_fields if name.endswith("_fen")
]


# --- every type ---------------------------------------------------------------------------------


def test_every_message_type_has_a_model_and_a_valid_example() -> None:
    assert set(MESSAGE_MODELS) == set(MessageType) == set(VALID)


@pytest.mark.parametrize("kind", list(VALID))
def test_a_valid_message_parses_into_its_model_and_round_trips(kind: str) -> None:
    message = parse_message(valid(kind))
    assert isinstance(message, MESSAGE_MODELS[MessageType(kind)])
    assert message.type == kind
    dumped = message.model_dump(mode="json")
    assert dumped == valid(kind) | {"recorded_at": None}  # every field was sent, so nothing is added
    assert parse_message(dumped) == message
    assert parse_message(orjson.dumps(dumped)) == message
    assert parse_message(orjson.dumps(dumped).decode()) == message


@pytest.mark.parametrize("kind", list(VALID))
def test_the_canonical_body_is_stable_sorted_compact_and_ignores_recorded_at(kind: str) -> None:
    body = canonical_body(parse_message(valid(kind)))
    reordered = dict(reversed(list(valid(kind).items())))
    stamped = valid(kind, recorded_at="2025-05-01T00:00:00Z")
    assert canonical_body(parse_message(reordered)) == body
    assert canonical_body(parse_message(stamped)) == body
    assert canonical_body(parse_message(orjson.dumps(valid(kind)))) == body
    decoded = json.loads(body)
    assert list(decoded) == sorted(decoded) and "recorded_at" not in decoded
    assert body == json.dumps(decoded, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize("kind", list(VALID))
def test_each_model_carries_an_example_that_is_itself_valid(kind: str) -> None:
    model = MESSAGE_MODELS[MessageType(kind)]
    (example,) = model.model_json_schema()["examples"]
    assert parse_message(example).type == kind


@pytest.mark.parametrize("kind", list(VALID))
def test_an_unknown_field_is_refused_by_name(kind: str) -> None:
    error = refused(valid(kind, amount_yuan=12))
    assert (error.code, error.field) == (ErrorCode.INVALID_FIELD, "amount_yuan")


@pytest.mark.parametrize("kind", list(VALID))
def test_a_missing_required_field_is_named(kind: str) -> None:
    error = refused(valid(kind, serial=None))
    assert (error.code, error.field) == (ErrorCode.INVALID_FIELD, "serial")


@pytest.mark.parametrize("kind", sorted(set(VALID) - WITHOUT_CITIZEN))
def test_person_messages_require_a_citizen_id(kind: str) -> None:
    assert refused(valid(kind, citizen_id=None)).field == "citizen_id"


@pytest.mark.parametrize("kind", sorted(WITHOUT_CITIZEN))
def test_run_messages_carry_no_citizen_id(kind: str) -> None:
    assert refused(valid(kind, citizen_id=MAN)).field == "citizen_id"


# --- money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "field"), FEN_FIELDS)
@pytest.mark.parametrize("amount", [100.0, 0.5, "100", True, -1, MAX_FEN + 1, 10**30, [100], {"yuan": 1}])
def test_a_fen_field_takes_only_a_bounded_non_negative_integer(kind: str, field: str, amount: Any) -> None:
    error = refused(valid(kind, **{field: amount}))
    assert (error.code, error.field) == (ErrorCode.INVALID_FIELD, field)
    assert error.message.startswith(f"{field}: ")


@pytest.mark.parametrize(("kind", "field"), FEN_FIELDS)
def test_a_fen_field_is_refused_by_name_also_in_json_text(kind: str, field: str) -> None:
    for literal in (b"1.0", b"1e3", b'"100"', b"-5", b"123456789012345678901234567890"):
        text = orjson.dumps(valid(kind, **{field: 0})).replace(
            f'"{field}":0'.encode(), f'"{field}":'.encode() + literal
        )
        assert refused(text).field == field, literal


@pytest.mark.parametrize(("kind", "field"), FEN_FIELDS)
def test_null_is_refused_where_the_amount_is_required(kind: str, field: str) -> None:
    body = valid(kind) | {field: None}
    if field == "base_wage_fen":  # optional: null means "from policy data"
        assert parse_as(RetirementMessage, body).base_wage_fen is None
    else:
        assert refused(body).field == field


@pytest.mark.parametrize(("kind", "field"), FEN_FIELDS)
def test_the_bounds_of_a_fen_field_are_accepted(kind: str, field: str) -> None:
    for amount in (0, MAX_FEN):
        assert getattr(parse_message(valid(kind, **{field: amount})), field) == amount


# --- months, dates, rates, timestamps -------------------------------------------------------------


@pytest.mark.parametrize(
    "month", ["2025-13", "2025-00", "2025-4", "202504", "2025-04\n", "２０２５-04", "0000-01", "2025-04-01", 202504]
)
def test_a_bad_month_is_refused(month: Any) -> None:
    error = refused(valid("contribution", period=month))
    assert (error.code, error.field) == (ErrorCode.INVALID_FIELD, "period")


def test_a_month_is_held_as_a_month_and_written_as_yyyy_mm() -> None:
    message = parse_as(PayoutRunMessage, valid("payout_run", month="2025-05"))
    assert message.month == Month(2025, 5)
    assert message.model_dump(mode="json")["month"] == "2025-05"


@pytest.mark.parametrize(
    "day", ["2025-02-30", "2025/02/01", "20250201", "2025-2-1", "2025-02-01T00:00:00", "", 20250201, 1738368000]
)
def test_a_bad_date_is_refused(day: Any) -> None:
    error = refused(valid("death", date_of_death=day))
    assert (error.code, error.field) == (ErrorCode.INVALID_FIELD, "date_of_death")


def test_a_date_is_held_as_a_date() -> None:
    assert parse_as(CertificationMessage, valid("certification")).effective == date(2025, 6, 1)


@pytest.mark.parametrize("rate", [0.02, "-0.02", "0,02", "1e-2", ".5", "5.", "", " 0.02", "٠.٠٢", "0." + "1" * 30])
def test_a_bad_rate_is_refused(rate: Any) -> None:
    error = refused(valid("adjustment_run", rate=rate))
    assert (error.code, error.field) == (ErrorCode.INVALID_FIELD, "rate")


def test_a_rate_keeps_its_exact_text() -> None:
    assert parse_as(AdjustmentRunMessage, valid("adjustment_run", rate="0.020")).rate == "0.020"


@pytest.mark.parametrize("divisor", ["0", "0.0", 138.4, 139])
def test_a_divisor_is_a_positive_decimal_string(divisor: Any) -> None:
    assert refused(valid("migrated_benefit", divisor=divisor)).field == "divisor"


@pytest.mark.parametrize("stamp", ["2025-05-01T08:00:00", "2025-05-01", 1746057600, "yesterday", "2025-05-01T08:00Z "])
def test_recorded_at_needs_an_iso_timestamp_with_a_zone(stamp: Any) -> None:
    error = refused(valid("payout_run", recorded_at=stamp))
    assert (error.code, error.field) == (ErrorCode.INVALID_FIELD, "recorded_at")


def test_recorded_at_is_normalized_to_utc() -> None:
    message = parse_message(valid("payout_run", recorded_at="2025-05-01T08:00:00+08:00"))
    assert message.recorded_at == datetime(2025, 5, 1, 0, 0, tzinfo=UTC)
    assert message.recorded_at is not None and message.recorded_at.utcoffset() is not None
    assert message.model_dump(mode="json")["recorded_at"] == "2025-05-01T00:00:00Z"


# --- identifiers, units, serials, text --------------------------------------------------------------


def test_a_lower_case_x_is_normalized() -> None:
    lower = parse_as(DeathMessage, valid("death", citizen_id=WOMAN_X.lower()))
    upper = parse_as(DeathMessage, valid("death", citizen_id=WOMAN_X))
    assert lower.citizen_id == WOMAN_X
    assert canonical_body(lower) == canonical_body(upper)


@pytest.mark.parametrize(
    "number", ["110105491231002", "11010519491231002", "1101051949123100211", "11010519491231A02X"]
)
def test_a_badly_formed_citizen_id_is_the_identifier_error(number: str) -> None:
    # DOMAIN.md §1.1: a 15-digit number is invalid_citizen_id (it must be upgraded), not invalid_field.
    error = refused(valid("death", citizen_id=number))
    assert (error.code, error.field) == (ErrorCode.INVALID_CITIZEN_ID, "citizen_id")


def test_a_citizen_id_that_is_not_a_string_is_an_invalid_field() -> None:
    error = refused(valid("death", citizen_id=320102196503151231))
    assert (error.code, error.field) == (ErrorCode.INVALID_FIELD, "citizen_id")


@pytest.mark.parametrize("code", ["91350100m000100y43", "91350100M000100Y4", "91350100M000100YI3"])
def test_a_badly_formed_uscc_is_the_identifier_error(code: str) -> None:
    error = refused(valid("employer_change", employer_uscc=code))
    assert (error.code, error.field) == (ErrorCode.INVALID_USCC, "employer_uscc")


@pytest.mark.parametrize(("kind", "unit"), [("contribution", "99"), ("contribution", "00"), ("contribution", 32)])
def test_the_unit_must_be_a_pooling_unit_for_a_unit_message(kind: str, unit: Any) -> None:
    assert refused(valid(kind, unit=unit)).field == "unit"


@pytest.mark.parametrize("kind", sorted(RUNS_BY_MINISTRY))
def test_ministry_runs_come_from_unit_00(kind: str) -> None:
    assert refused(valid(kind, unit="44")).field == "unit"


@pytest.mark.parametrize("kind", ["certification", "death", "correction"])
def test_any_unit_including_the_ministry_may_send(kind: str) -> None:
    assert parse_message(valid(kind, unit="00")).unit == "00"


def test_xpcc_is_a_unit_of_its_own() -> None:
    assert set(POOLING_UNITS) >= {"65", "66"}
    assert parse_message(valid("payout_run", unit="66")).unit == "66"


@pytest.mark.parametrize("serial", ["", "a" * 41, "a b", "序号1", "a_b", "a\n", 12])
def test_a_bad_serial_is_refused(serial: Any) -> None:
    assert refused(valid("recovery", serial=serial)).field == "serial"
    assert refused(valid("transfer_send", request_serial=serial)).field == "request_serial"


def test_a_serial_of_40_characters_is_accepted() -> None:
    assert parse_message(valid("recovery", serial="A-" + "9" * 38)).serial == "A-" + "9" * 38


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "王\n建国", "王\x00"])
def test_a_bad_name_is_refused(name: str) -> None:
    assert refused(valid("enrollment", name=name)).field == "name"


@pytest.mark.parametrize("reason", ["", " ", "r" * 501])
def test_a_bad_reason_is_refused(reason: str) -> None:
    assert refused(valid("correction", reason=reason)).field == "reason"


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "student"), ("category", "farmer"), ("hukou_unit", "00"), ("deemed_months", -1), ("deemed_months", 1.0)],
)
def test_bad_enrollment_fields(field: str, value: Any) -> None:
    assert refused(valid("enrollment", **{field: value})).field == field


def test_suspension_and_death_take_their_enumerations() -> None:
    assert refused(valid("suspension", reason="retired")).field == "reason"
    assert refused(valid("death", cause="old_age")).field == "cause"


# --- cross-field rules and defaults ---------------------------------------------------------------


def test_an_employee_enrollment_requires_the_employer() -> None:
    error = refused(valid("enrollment", employer_uscc=None))
    assert (error.code, error.field) == (ErrorCode.INVALID_FIELD, "employer_uscc")
    assert "employee" in error.message


def test_a_flexible_enrollment_forbids_an_employer() -> None:
    assert refused(valid("enrollment", kind="flexible")).field == "employer_uscc"
    assert parse_as(EnrollmentMessage, valid("enrollment", kind="flexible", employer_uscc=None)).employer_uscc is None


def test_a_transfer_is_requested_from_another_unit() -> None:
    assert refused(valid("transfer_request", from_unit="32")).field == "from_unit"
    assert refused(valid("transfer_request", from_unit="00")).field == "from_unit"


@pytest.mark.parametrize("field", ["early_months", "late_months"])
def test_elected_retirement_months_are_not_negative(field: str) -> None:
    assert refused(valid("retirement", **{field: -1})).field == field


def test_electing_both_early_and_late_is_left_to_rule_r007() -> None:
    # DOMAIN.md §7.3 makes this R007, checked after R004/R005/R015 (§15.1), so the schema lets it through.
    message = parse_as(RetirementMessage, valid("retirement", early_months=6, late_months=6))
    assert (message.early_months, message.late_months) == (6, 6)


def test_omitted_defaults_equal_sent_defaults_in_the_canonical_body() -> None:
    sent = valid("enrollment", category="worker", deemed_months=0, account_opened="1995-04")
    omitted = valid("enrollment", category=None, deemed_months=None, account_opened=None)
    assert canonical_body(parse_message(sent)) == canonical_body(parse_message(omitted))
    assert canonical_body(parse_message(valid("death", cause="illness"))) == canonical_body(
        parse_message(valid("death", cause=None))
    )
    assert canonical_body(parse_message(valid("retirement", late_months=0))) == canonical_body(
        parse_message(valid("retirement", late_months=None, early_months=None))
    )


def test_account_opened_defaults_to_the_enrollment_month() -> None:
    message = parse_message(valid("enrollment", effective="2021-01-04", account_opened=None))
    assert isinstance(message, EnrollmentMessage) and message.account_opened == Month(2021, 1)


def test_a_different_body_has_a_different_canonical_body() -> None:
    first = canonical_body(parse_message(valid("contribution")))
    assert canonical_body(parse_message(valid("contribution", base_fen=654322))) != first
    assert canonical_body(parse_message(valid("contribution", paid_on=None))) != first


def test_messages_are_immutable() -> None:
    message = parse_as(ContributionMessage, valid("contribution"))
    with pytest.raises(ValidationError):
        message.base_fen = 1  # type: ignore[misc]


# --- type, malformed and deep input ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["contribution_v2", "Contribution", "", 7, None, ["contribution"]])
def test_an_unknown_type_is_unknown_type(kind: Any) -> None:
    error = refused(valid("contribution", type=kind))
    assert (error.code, error.field) == (ErrorCode.UNKNOWN_TYPE, "type")


@pytest.mark.parametrize(
    "text", [b"", b"{", b'{"type": "contribution",}', b"\xff\xfe", "{'type': 1}", b"NaN", b"{} {}"]
)
def test_malformed_json_is_an_invalid_field_without_a_field(text: bytes | str) -> None:
    error = refused(text)
    assert (error.code, error.field) == (ErrorCode.INVALID_FIELD, None)
    assert error.message.startswith("malformed JSON")


@pytest.mark.parametrize("data", [b"[1, 2]", b'"contribution"', b"42", b"null", [valid("death")], 42])
def test_a_message_must_be_an_object(data: Any) -> None:
    assert (refused(data).code, refused(data).field) == (ErrorCode.INVALID_FIELD, None)


def test_deeply_nested_json_does_not_crash() -> None:
    deep = b"[" * 10_000 + b"]" * 10_000
    assert (refused(deep).code, refused(deep).field) == (ErrorCode.INVALID_FIELD, None)
    inside = b'{"type": "contribution", "base_fen": ' + deep + b"}"
    assert refused(inside).code == ErrorCode.INVALID_FIELD
    deep_dicts = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
    assert refused(deep_dicts).code == ErrorCode.INVALID_FIELD


def test_deeply_nested_python_values_do_not_crash() -> None:
    nested: Any = 1
    for _ in range(10_000):
        nested = [nested]
    assert refused(valid("contribution", base_fen=nested)).field == "base_fen"
    assert refused(valid("contribution", extra=nested)).field == "extra"


def test_an_error_is_one_line_and_becomes_the_error_answer() -> None:
    error = refused(valid("contribution", base_fen="6543.21"))
    assert isinstance(error, ValueError) and "\n" not in error.message and str(error) == error.message
    answer = error.answer()
    assert answer == ErrorAnswer(error=ErrorCode.INVALID_FIELD, message=error.message, field="base_fen", rule=None)
    assert answer.error.http_status == 422
    assert answer.model_dump(mode="json") == {
        "error": "invalid_field",
        "message": error.message,
        "field": "base_fen",
        "rule": None,
    }


def test_the_first_bad_field_is_reported() -> None:
    error = refused(valid("contribution", period="2025-13", base_fen=-1, surprise=1))
    assert error.field == "period"


# --- property -------------------------------------------------------------------------------------

_CONTRIBUTIONS = st.fixed_dictionaries(
    {
        "type": st.just("contribution"),
        "serial": st.from_regex(r"[A-Za-z0-9-]{1,40}", fullmatch=True),
        "unit": st.sampled_from(sorted(POOLING_UNITS)),
        "citizen_id": st.from_regex(r"[0-9]{17}[0-9Xx]", fullmatch=True),
        "period": st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(1, 9999), st.integers(1, 12)),
        "base_fen": st.integers(0, MAX_FEN),
    },
    optional={
        "employer_uscc": st.from_regex(r"[0-9A-HJ-NP-RTUWXY]{18}", fullmatch=True),
        "paid_on": st.dates().map(date.isoformat),
        "recorded_at": st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat),
    },
)


@given(_CONTRIBUTIONS)
def test_any_valid_contribution_round_trips_unchanged(data: dict[str, Any]) -> None:
    message = parse_message(data)
    assert isinstance(message, ContributionMessage)
    dumped = message.model_dump(mode="json")
    again = parse_message(dumped)
    assert again == message
    assert again.model_dump(mode="json") == dumped
    assert parse_message(orjson.dumps(data)) == message
    assert canonical_body(again) == canonical_body(message)


# --- answers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Applied, ErrorAnswer, DossierModel, LedgerModel])
def test_each_answer_model_validates_its_own_example(model: type[BaseModel]) -> None:
    (example,) = model.model_json_schema()["examples"]
    assert model.model_validate(example).model_dump(mode="json", exclude_unset=True) == example


def test_answers_may_carry_more_fields() -> None:
    applied = Applied.model_validate(
        {"status": "replayed", "serial": "S-1", "events": [], "flags": [], "benefit": {"total_fen": 1}}
    )
    assert applied.model_dump()["benefit"] == {"total_fen": 1}
    with pytest.raises(ValidationError):
        Applied.model_validate({"status": "done", "serial": "S-1", "events": []})


def test_the_dossier_has_every_field_of_the_contract() -> None:
    contract = [
        "citizen_id",
        "name",
        "sex",
        "birth",
        "status",
        "status_detail",
        "insured_unit",
        "benefit_unit",
        "benefit_unit_provisional",
        "contribution_months",
        "deemed_months",
        "months_by_unit",
        "account_balance_fen",
        "accrued_interest_fen",
        "relation_unit",
        "benefit",
        "paid_total_fen",
        "as_of",
        "as_known_at",
        "simulated",
        "events",
    ]
    assert set(contract) <= set(DossierModel.model_fields)
    assert {"gaps", "flags"} <= set(DossierModel.model_fields)
    assert set(LedgerModel.model_fields) >= {
        "unit",
        "as_of",
        "accounts",
        "debits_fen",
        "credits_fen",
        "transfer_in_transit_fen",
    }


# --- schema files ---------------------------------------------------------------------------------


def test_schemas_export_writes_one_valid_json_file_per_document(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["schemas", "export", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = {path.name for path in (tmp_path / "out").iterdir()}
    expected = {f"{kind.value}.schema.json" for kind in MessageType} | {
        "message.schema.json",
        "dossier.schema.json",
        "ledger.schema.json",
        "error.schema.json",
        "applied.schema.json",
    }
    assert written == expected
    for name in written:
        document = json.loads((tmp_path / "out" / name).read_text(encoding="utf-8"))
        assert document["$schema"].startswith("https://json-schema.org/") and name in result.output
    union = json.loads((tmp_path / "out" / "message.schema.json").read_text(encoding="utf-8"))
    assert set(union["discriminator"]["mapping"]) == {kind.value for kind in MessageType}


def test_schemas_show_prints_one_document() -> None:
    result = CliRunner().invoke(app, ["schemas", "show", "contribution"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "ContributionMessage"
    assert CliRunner().invoke(app, ["schemas", "show", "nothing"]).exit_code == 2


def test_the_committed_schemas_equal_freshly_generated_ones() -> None:
    # Regenerate with `pooling schemas export` when this fails.
    fresh = json_schemas()
    committed = {path.name: path.read_text(encoding="utf-8") for path in DEFAULT_SCHEMA_DIR.glob("*.json")}
    assert set(committed) == set(fresh)
    for name, schema in fresh.items():
        assert committed[name] == render(schema), name


def test_a_repeated_key_is_refused_naming_it() -> None:
    # orjson would keep the last value; a system reading the first would disagree about the command.
    raw = b'{"type": "contribution", "serial": "s-1", "unit": "44", "citizen_id": "440306197901010037", "period": "2021-04", "base_fen": -5, "base_fen": 600000}'
    with pytest.raises(InterchangeError) as refused:
        parse_message(raw)
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_FIELD, "base_fen")
