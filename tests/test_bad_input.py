"""Bad and hostile input: a corpus of malformed interchange messages, hostile text in every field, and fuzzing of
the HTTP API and the importer (hypothesis, bounded and derandomized). Every bad message gets a 4xx in the one
error model naming its field (where there is one), and nothing is written: the notification log's head and the
person's stream version are unchanged. Hostile text in a free-text field (a name, a reason) is data: stored and
answered back verbatim, as JSON, with every table intact.

The corpus is the Python list `CORPUS` below (label, body, expected status, code, field); README.md's
Reliability section lists the same cases."""

from __future__ import annotations

import json
import string
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from app_helpers import USCC, at
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_api_helpers import Harness, assert_error, harness
from typer.testing import CliRunner

from api.auth import Role, issue_token, verify_token
from api.cli import app as cli
from api.importer import run_import
from api.jobs import Job
from domain.application import PoolingApplication
from domain.person import person_id
from projections.database import ViewDatabase
from standards.codes import ErrorCode
from standards.identifiers import make_citizen_id

MESSAGES = "/api/v1/messages"
IMPORTS = "/api/v1/imports"
PERSON = "440306197901010037"  # enrolled in 44 (the seed); every person message below is about him
NEWCOMER = make_citizen_id("44", date(1985, 5, 5), 123)  # not enrolled: the enrollment template's person
SENT_AT = at("2021-02-15")
HOSTILE = (
    "'; DROP TABLE pooling_events; --",
    "x'); DROP TABLE stored_events; --",
    "<script>alert(document.cookie)</script>",
    "%s%s%n {0} ${jndi:ldap://127.0.0.1/x} \u202e",
)
#: Fields that are free text in interchange v1: hostile text there is accepted as data (and tested as such).
FREE_TEXT = {("enrollment", "name"), ("back_payment", "reason"), ("correction", "reason")}


def seed() -> list[dict[str, Any]]:
    """The person: enrolled in 44 since June 2020, January 2021 paid (serial seed-c1, which a correction names)."""
    return [
        {
            "type": "enrollment",
            "serial": "seed-e1",
            "unit": "44",
            "citizen_id": PERSON,
            "effective": "2020-06-01",
            "kind": "employee",
            "employer_uscc": USCC,
            "name": "王强",
            "hukou_unit": "44",
            "recorded_at": at("2020-06-05"),
        },
        {
            "type": "contribution",
            "serial": "seed-c1",
            "unit": "44",
            "citizen_id": PERSON,
            "period": "2021-01",
            "base_fen": 600_000,
            "recorded_at": at("2021-01-15"),
        },
    ]


def templates() -> dict[str, dict[str, Any]]:
    """One valid message of each kind the corpus mutates (the last test shows each is accepted as it is)."""
    person = {"unit": "44", "citizen_id": PERSON, "recorded_at": SENT_AT}
    return {
        "enrollment": {
            "type": "enrollment",
            "serial": "t-enrollment",
            **person,
            "citizen_id": NEWCOMER,
            "effective": "2021-02-01",
            "kind": "employee",
            "employer_uscc": USCC,
            "name": "李娜",
            "hukou_unit": "44",
            "category": "worker",
        },
        "contribution": {
            "type": "contribution",
            "serial": "t-contribution",
            **person,
            "period": "2021-02",
            "base_fen": 600_000,
            "employer_uscc": USCC,
            "paid_on": "2021-02-15",
        },
        "back_payment": {
            "type": "back_payment",
            "serial": "t-back-payment",
            **person,
            "period": "2020-12",
            "base_fen": 600_000,
            "reason": "missed month",
        },
        "suspension": {
            "type": "suspension",
            "serial": "t-suspension",
            **person,
            "effective": "2021-02-14",
            "reason": "other",
        },
        "correction": {
            "type": "correction",
            "serial": "t-correction",
            **person,
            "corrects_serial": "seed-c1",
            "reason": "keyed twice",
        },
        "death": {
            "type": "death",
            "serial": "t-death",
            **person,
            "date_of_death": "2021-02-10",
            "cause": "illness",
        },
    }


@dataclass(frozen=True)
class Bad:
    """One bad request body and the refusal it must get."""

    label: str
    body: bytes
    status: int
    code: str
    field: str | None
    content_type: str | None = "application/json"


def _json(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False).encode()


def _with(which: str, /, **changes: Any) -> bytes:
    """A template with some fields changed (`...` removes one)."""
    message = {**templates()[which], **changes}
    return _json({key: value for key, value in message.items() if value is not ...})


def _raw(kind: str, old: str, new: str) -> bytes:
    """A template's JSON text with one piece of text replaced (for what `json.dumps` cannot write)."""
    text = _json(templates()[kind]).decode()
    assert old in text, old
    return text.replace(old, new, 1).encode()


def corpus() -> list[Bad]:
    """Malformed and hostile messages: identifiers, dates, money, units, types, structure, size, media types."""
    c = "contribution"
    invalid, bad_id = "invalid_field", "invalid_citizen_id"
    cases = [
        # identifiers
        Bad("citizen ID of 17 characters", _with(c, citizen_id=PERSON[:-1]), 422, bad_id, "citizen_id"),
        Bad(
            "citizen ID with a wrong check character", _with(c, citizen_id=PERSON[:-1] + "8"), 422, bad_id, "citizen_id"
        ),
        Bad("15-digit citizen ID", _with(c, citizen_id="440306790101003"), 422, bad_id, "citizen_id"),
        Bad(
            "citizen ID of Hong Kong (81)",
            _with(c, citizen_id="810000199001010011"),
            422,
            "unsupported_id_region",
            "citizen_id",
        ),
        Bad("citizen ID with a full-width digit", _with(c, citizen_id="４" + PERSON[1:]), 422, bad_id, "citizen_id"),
        Bad("citizen ID born on 31 February", _with(c, citizen_id="440306197902310037"), 422, bad_id, "citizen_id"),
        Bad("citizen ID born in 2099", _with(c, citizen_id="440306209901010037"), 422, bad_id, "citizen_id"),
        Bad("citizen ID as a number", _with(c, citizen_id=440306197901010037), 422, invalid, "citizen_id"),
        Bad(
            "USCC with a wrong check character",
            _with(c, employer_uscc=USCC[:-1] + "4"),
            422,
            "invalid_uscc",
            "employer_uscc",
        ),
        Bad(
            "USCC with a letter outside its alphabet",
            _with(c, employer_uscc="I" + USCC[1:]),
            422,
            "invalid_uscc",
            "employer_uscc",
        ),
        Bad("serial of 41 characters", _with(c, serial="x" * 41), 422, invalid, "serial"),
        Bad("serial with a space", _with(c, serial="44 001"), 422, invalid, "serial"),
        Bad("empty serial", _with(c, serial=""), 422, invalid, "serial"),
        Bad("serial in Chinese", _with(c, serial="流水号一"), 422, invalid, "serial"),
        # dates and months
        Bad("month 13", _with(c, period="2021-13"), 422, invalid, "period"),
        Bad("month 0000-01", _with(c, period="0000-01"), 422, invalid, "period"),
        Bad("month far in the future", _with(c, period="9999-12"), 409, "rule_violation", "period"),
        Bad("30 February", _with(c, paid_on="2021-02-30"), 422, invalid, "paid_on"),
        Bad("date as DD/MM/YYYY", _with(c, paid_on="15/02/2021"), 422, invalid, "paid_on"),
        Bad(
            "enrollment effective in 1800",
            _with("enrollment", effective="1800-01-01"),
            409,
            "rule_violation",
            "effective",
        ),
        Bad(
            "enrollment effective in 2300",
            _with("enrollment", effective="2300-01-01"),
            409,
            "rule_violation",
            "effective",
        ),
        Bad(
            "recorded_at without a time zone", _with(c, recorded_at="2021-02-15T02:00:00"), 422, invalid, "recorded_at"
        ),
        Bad("recorded_at at 25 o'clock", _with(c, recorded_at="2021-02-15T25:00:00Z"), 422, invalid, "recorded_at"),
        Bad(
            "recorded_at in year 1", _with(c, recorded_at="0001-01-01T00:00:00Z"), 422, "clock_backwards", "recorded_at"
        ),
        # money
        Bad("negative amount", _with(c, base_fen=-1), 422, invalid, "base_fen"),
        Bad("amount over 10^13 fen", _with(c, base_fen=10**13 + 1), 422, invalid, "base_fen"),
        Bad("amount of 10^30 fen", _with(c, base_fen=10**30), 422, invalid, "base_fen"),
        Bad("float amount", _with(c, base_fen=6000.5), 422, invalid, "base_fen"),
        Bad("float amount with no fraction", _with(c, base_fen=600000.0), 422, invalid, "base_fen"),
        Bad("amount as a string", _with(c, base_fen="600000"), 422, invalid, "base_fen"),
        Bad("amount as a boolean", _with(c, base_fen=True), 422, invalid, "base_fen"),
        Bad("amount null", _with(c, base_fen=None), 422, invalid, "base_fen"),
        Bad("amount missing", _with(c, base_fen=...), 422, invalid, "base_fen"),
        Bad("amount in exponent notation", _raw(c, "600000", "6e5"), 422, invalid, "base_fen"),
        Bad("amount of 5,000 digits", _raw(c, "600000", "9" * 5000), 422, invalid, None),
        Bad("amount 1e400 (infinite)", _raw(c, "600000", "1e400"), 422, invalid, None),
        Bad("amount NaN", _raw(c, "600000", "NaN"), 422, invalid, None),
        # units, types, unknown fields
        Bad("unit 99", _with(c, unit="99"), 422, invalid, "unit"),
        Bad("unit as a number", _with(c, unit=44), 422, invalid, "unit"),
        Bad("hukou unit 00", _with("enrollment", hukou_unit="00"), 422, invalid, "hukou_unit"),
        Bad("unknown kind", _with("enrollment", kind="robot"), 422, invalid, "kind"),
        Bad("unknown category", _with("enrollment", category="boss"), 422, invalid, "category"),
        Bad("unknown suspension reason", _with("suspension", reason="holiday"), 422, invalid, "reason"),
        Bad("deemed months negative", _with("enrollment", deemed_months=-1), 422, invalid, "deemed_months"),
        Bad("deemed months 10^6", _with("enrollment", deemed_months=10**6), 422, invalid, "deemed_months"),
        Bad("misspelt type", _with(c, type="contributon"), 422, "unknown_type", "type"),
        Bad("no type", _with(c, type=...), 422, "unknown_type", "type"),
        Bad("type as a number", _with(c, type=5), 422, "unknown_type", "type"),
        Bad("unknown field", _with(c, is_admin=True), 422, invalid, "is_admin"),
        Bad(
            "migration message without migrate",
            _with(
                c,
                type="opening_balance",
                period=...,
                base_fen=...,
                employer_uscc=...,
                paid_on=...,
                as_of="2020-12-31",
                account_fen=1,
            ),
            422,
            invalid,
            "type",
        ),
        # names
        Bad("name with a NUL", _with("enrollment", name="王\x00强"), 422, invalid, "name"),
        Bad("name with a newline", _with("enrollment", name="王\n强"), 422, invalid, "name"),
        Bad("name of 101 characters", _with("enrollment", name="王" * 101), 422, invalid, "name"),
        Bad("blank name", _with("enrollment", name="   "), 422, invalid, "name"),
        Bad("name as a list", _with("enrollment", name=["王", "强"]), 422, invalid, "name"),
        # structure
        Bad("a JSON array", b"[1]", 422, invalid, None),
        Bad("a JSON string", b'"contribution"', 422, invalid, None),
        Bad("JSON null", b"null", 422, invalid, None),
        Bad("an empty body", b"", 422, invalid, None),
        Bad("not JSON", b"{type: contribution}", 422, invalid, None),
        Bad("not UTF-8", b"\xff\xfe{}", 422, invalid, None),
        Bad("100,000 nested arrays", b"[" * 100_000, 422, invalid, None),
        Bad("3,000 nested arrays in a field", _raw(c, "600000", "[" * 3000 + "]" * 3000), 422, invalid, None),
        Bad("two messages in one body", _json(templates()[c]) + b"\n" + _json(templates()[c]), 422, invalid, None),
        # size and media type
        Bad("a body over 1 MiB", _with(c, padding="x" * (1024 * 1024)), 413, "payload_too_large", None),
        Bad("XML", b"<message><type>contribution</type></message>", 415, "unsupported_media_type", None, "text/xml"),
        Bad(
            "a form",
            b"type=contribution&serial=x",
            415,
            "unsupported_media_type",
            None,
            "application/x-www-form-urlencoded",
        ),
        Bad("multipart", b"--x\r\n\r\n--x--", 415, "unsupported_media_type", None, "multipart/form-data; boundary=x"),
        Bad("HTML", b"<script>alert(1)</script>", 415, "unsupported_media_type", None, "text/html"),
    ]
    return cases + hostile_cases()


#: Fields whose malformed values have a code of their own (INTERCHANGE.md, Answers).
SPECIFIC_CODES = {"type": "unknown_type", "citizen_id": "invalid_citizen_id", "employer_uscc": "invalid_uscc"}


def hostile_cases() -> list[Bad]:
    """Every string field of every template, set to each hostile string: refused naming that field, unless the
    field is free text (those are accepted, see `test_hostile_text_in_a_free_text_field_is_stored_verbatim`)."""
    cases = []
    for kind, template in templates().items():
        for name, value in template.items():
            if not isinstance(value, str) or (kind, name) in FREE_TEXT:
                continue
            for number, text in enumerate(HOSTILE):
                code = SPECIFIC_CODES.get(name, "invalid_field")
                cases.append(Bad(f"hostile {kind}.{name} #{number}", _with(kind, **{name: text}), 422, code, name))
    return cases


CORPUS = corpus()


# --- the store the corpus is sent to -------------------------------------------------------------------------
@pytest.fixture
def api(simulated_env: dict[str, str], tmp_path: Path) -> Iterator[Harness]:
    with harness(simulated_env, tmp_path) as seeded:
        seeded.seed(seed())
        yield seeded


def written(api: Harness) -> tuple[int, int]:
    """What a refusal must leave as it was: the log's head and the person's stream version."""
    app: PoolingApplication = api.services.app
    return int(app.recorder.max_notification_id() or 0), app.get_person(PERSON).version


def post(api: Harness, bad: Bad) -> Any:
    headers = api.province("44")
    if bad.content_type is not None:
        headers["Content-Type"] = bad.content_type
    return api.client.post(MESSAGES, content=bad.body, headers=headers)


def test_every_bad_message_is_refused_naming_its_field_and_writes_nothing(api: Harness) -> None:
    assert len(CORPUS) > 150
    before = written(api)
    wrong: list[tuple[Any, ...]] = []
    for bad in CORPUS:
        response = post(api, bad)
        body = response.json()
        got = (response.status_code, body.get("error"), body.get("field"))
        if got != (bad.status, bad.code, bad.field) or set(body) != {"error", "message", "field", "rule"}:
            wrong.append((bad.label, got, body))
        elif not body["message"] or len(body["message"]) > 300:
            wrong.append((bad.label, "the message must say what is wrong, briefly", body))
        if written(api) != before:
            wrong.append((bad.label, "wrote to the store", written(api)))
            before = written(api)
    assert wrong == [], "\n".join(map(str, wrong))
    # The refusals never echo a whole hostile string or a long input back.
    for bad in CORPUS[:5]:
        assert PERSON[:-1] + "8" not in post(api, bad).text
    # And the templates themselves are valid: each is applied as it is, so each refusal above was its mutation's.
    for kind, template in templates().items():
        assert api.send(template).status_code == 201, kind


def test_hostile_text_in_a_free_text_field_is_stored_verbatim_and_answered_as_json(api: Harness) -> None:
    auditor = api.auditor()
    for number, text in enumerate(HOSTILE):
        citizen = make_citizen_id("44", date(1986, 1 + number, 9), 201 + 2 * number)
        enrollment = {**templates()["enrollment"], "serial": f"h-e{number}", "citizen_id": citizen, "name": text}
        assert api.send(enrollment).status_code == 201
        back_payment = {
            **templates()["back_payment"],
            "serial": f"h-b{number}",
            "period": f"2020-{9 + number:02d}",
            "reason": text,
        }
        assert api.send(back_payment).status_code == 201
        dossier = api.get(f"/api/v1/persons/{citizen}/dossier", auditor)
        assert dossier.headers["content-type"].startswith("application/json")
        assert dossier.json()["name"] == text
    events = api.get(f"/api/v1/persons/{PERSON}/events", auditor).json()["events"]
    reasons = [event["data"].get("reason") for event in events if event["type"] == "BackPaymentPaid"]
    assert reasons == list(HOSTILE)
    # Every table is still there and whole: each stored row is one the log counts.
    app: PoolingApplication = api.services.app
    database = ViewDatabase(app.recorder)
    with database.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT COUNT(*) AS n FROM {database.events_table}")
        rows = cursor.fetchone()
    assert rows is not None and int(rows["n"]) == app.recorder.max_notification_id()


def test_hostile_paths_and_parameters_are_refused_naming_the_parameter(api: Harness) -> None:
    auditor = api.auditor()
    for text in HOSTILE:
        refused = api.get(f"/api/v1/persons/{text}/dossier", auditor)
        assert refused.status_code in (404, 422), (text, refused.text)  # a `/` in the text is another route
        assert_error(
            api.get(f"/api/v1/persons/{PERSON}/dossier", auditor, as_of=text), 422, "invalid_field", field="as_of"
        )
        assert_error(api.get("/api/v1/ledgers/national", auditor, as_of=text), 422, "invalid_field", field="as_of")
        assert_error(api.get("/api/v1/risk/findings", auditor, rule=text), 422, "invalid_field", field="rule")
        assert_error(
            api.get(f"/api/v1/imports/{uuid.uuid4().hex}", auditor, limit=text), 422, "invalid_field", field="limit"
        )


# --- the same corpus through the importer (HTTP) and `pooling import` --------------------------------------------
def _file_lines() -> list[Bad]:
    """The corpus entries that can be one line of a JSON-lines file (JSON text without a newline or a media type)."""
    return [
        bad
        for bad in CORPUS
        if bad.content_type == "application/json" and b"\n" not in bad.body and bad.body.strip() and bad.status != 413
    ]


def test_an_import_file_of_bad_lines_refuses_each_with_its_line_code_and_field(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**sqlite_env, "POOLING_SIMULATED": "1"}
    bad_lines = _file_lines()
    good = templates()["contribution"]
    body = b"\n".join([*(bad.body for bad in bad_lines), _json(good)]) + b"\n"
    with harness(env, tmp_path) as api:
        api.seed(seed())
        head = written(api)[0]
        accepted = api.client.post(
            IMPORTS, content=body, headers={**api.province("44"), "Content-Type": "application/x-ndjson"}
        )
        href = accepted.json()["href"]
        job = api.get(href, api.province("44")).json()
        for _ in range(200):
            if job["status"] in ("done", "failed"):
                break
            job = api.get(href, api.province("44")).json()
        assert (job["status"], job["refused"], job["applied"]) == ("done", len(bad_lines), 1), job["error"]
        refused = {row["line"]: row for row in job["results"] if "error" in row}
        for number, bad in enumerate(bad_lines, start=1):
            assert (refused[number]["error"], refused[number]["field"]) == (bad.code, bad.field), (
                bad.label,
                refused[number],
            )
        assert written(api)[0] > head  # the good line only
        api_rows = {number: (row["error"], row["field"]) for number, row in refused.items()}

    # `pooling import` of the same file on a fresh store gives the same refusals, line by line.
    cli_env = {"POOLING_DB": str(tmp_path / "cli.sqlite"), "POOLING_SIMULATED": "1"}
    app = PoolingApplication(env=cli_env)
    for message in seed():
        app.submit(message)
    app.close()
    (tmp_path / "bad.jsonl").write_bytes(body)
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "bad.jsonl"), "--json"], env=cli_env)
    summary = json.loads(result.stdout)
    assert (summary["refused"], summary["applied"]) == (len(bad_lines), 1)
    cli_rows = {row["line"]: (row["error"], row["field"]) for row in summary["refusals"]}
    assert cli_rows == api_rows


# --- fuzzing (hypothesis: bounded, derandomized) -----------------------------------------------------------------
KNOWN_CODES = {code.value for code in ErrorCode} | {"forbidden"}
FUZZ = settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def mutated_messages(draw: st.DrawFn) -> dict[str, Any]:
    """A valid template with fields replaced by arbitrary JSON, removed or added, under a fresh serial."""
    kind = draw(st.sampled_from(sorted(templates())))
    message = dict(templates()[kind])
    message["serial"] = f"fz-{uuid.uuid4().hex[:12]}"
    for name in draw(st.lists(st.sampled_from(sorted(message)), max_size=3, unique=True)):
        action = draw(st.sampled_from(["replace", "remove", "text"]))
        if action == "remove":
            message.pop(name)
        elif action == "text":
            message[name] = draw(st.text(alphabet=string.printable + "王强０１", max_size=45))
        else:
            message[name] = draw(json_values)
    if draw(st.booleans()):
        message[draw(st.text(max_size=8))] = draw(json_values)
    return message


lines = st.one_of(
    mutated_messages().map(lambda m: json.dumps(m, ensure_ascii=False).encode()),
    st.binary(max_size=60).filter(lambda b: b"\n" not in b and b"\r" not in b),
    json_values.map(lambda v: json.dumps(v).encode()),
)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PoolingApplication]:
    """One seeded SQLite store for all fuzzed examples (fresh serials keep the examples apart)."""
    where = tmp_path_factory.mktemp("fuzz-input")
    app = PoolingApplication(env={"POOLING_DB": str(where / "fuzz.sqlite"), "POOLING_SIMULATED": "1"})
    for message in seed():
        app.submit(message)
    yield app
    app.close()


@FUZZ
@given(st.lists(lines, min_size=1, max_size=8))
def test_fuzzed_import_files_never_fail_and_write_nothing_for_a_refused_line(
    fuzz_app: PoolingApplication, file: list[bytes]
) -> None:
    key = b"k" * 64
    principal = verify_token(key, issue_token(key, Role.PROVINCE, unit="44"))
    job = Job("import", owner="province:44", submitted_by=principal.issued_by)
    run_import(fuzz_app, principal, b"\n".join(file), job, migrate=False, stop_on_error=False)
    snapshot = job.snapshot(limit=100)
    blank = sum(1 for line in file if not line.strip())
    assert snapshot["applied"] + snapshot["replayed"] + snapshot["refused"] == len(file) - blank
    for row in snapshot["results"]:
        if "error" not in row:
            continue
        assert row["error"] in KNOWN_CODES and set(row) >= {"line", "error", "message", "field", "rule"}, row
        try:
            sent = json.loads(file[row["line"] - 1])
        except ValueError:
            continue
        if isinstance(sent, dict) and isinstance(sent.get("serial"), str) and isinstance(sent.get("unit"), str):
            # A refused line left no command record: resent once fixed, it would be applied.
            assert fuzz_app.command(sent["unit"], sent["serial"]) is None


@pytest.fixture(scope="module")
def fuzz_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    where = tmp_path_factory.mktemp("fuzz-api")
    with harness({"POOLING_DB": str(where / "api.sqlite"), "POOLING_SIMULATED": "1"}, where) as api:
        api.seed(seed())
        yield api


@FUZZ
@given(st.one_of(mutated_messages().map(lambda m: json.dumps(m, ensure_ascii=False).encode()), st.binary(max_size=80)))
def test_fuzzed_messages_get_an_answer_or_a_4xx_and_a_refusal_writes_nothing(fuzz_api: Harness, body: bytes) -> None:
    app: PoolingApplication = fuzz_api.services.app
    head = app.recorder.max_notification_id()
    version = len(list(app.events.get(person_id(PERSON))))
    response = fuzz_api.client.post(MESSAGES, content=body, headers=fuzz_api.province("44"))
    assert response.status_code in (200, 201, 403, 404, 409, 413, 422, 424), response.text
    answer = response.json()
    if response.status_code >= 400:
        assert set(answer) == {"error", "message", "field", "rule"} and answer["error"] in KNOWN_CODES, answer
        assert app.recorder.max_notification_id() == head
        assert len(list(app.events.get(person_id(PERSON)))) == version
    else:
        assert answer["status"] in ("applied", "replayed")


def test_a_json_body_that_is_not_json_is_an_invalid_field_answered_422(api: Harness) -> None:
    headers = {**api.auditor(), "Content-Type": "application/json"}
    for body in (b"e\xff", b"{", b"[1,"):
        refused = api.client.post("/api/v1/audit/replays", content=body, headers=headers)
        assert_error(refused, 422, "invalid_field")
