"""Support for the fault tests (no tests here): faults injected into the real PostgreSQL server, contribution
files, and the checks that nothing was lost or half-written.

Faults are confined to the test's own database, since other engineers' tests share the server: a row trigger
that sleeps (`pg_sleep`) inside the transaction under test widens the window, and the backend sleeping there is
terminated (`pg_terminate_backend`) from another session, or its client process is killed. The server itself is
never stopped or signalled; an outage of the database is `ALLOW_CONNECTIONS false` plus terminating its backends,
which is what a stopped server looks like to the application (connections fail, new ones are refused)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from app_helpers import at, back_pay, broken_links, contribute, enroll

from domain import events as ev
from domain.application import PoolingApplication
from domain.errors import DomainError
from domain.person import person_id
from projections.audit import start_replay
from projections.queries import Projections
from standards.identifiers import make_citizen_id

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
POOLING = str(ROOT / ".venv" / "bin" / "pooling")


# --- PostgreSQL: connections and injected faults ---------------------------------------------------------------
def pg_connect(env: dict[str, str], dbname: str | None = None) -> Any:
    """An autocommit connection to the test's database (or `dbname`, e.g. "postgres" for the admin session)."""
    import psycopg

    return psycopg.connect(
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        dbname=dbname or env["POSTGRES_DBNAME"],
        autocommit=True,
        connect_timeout=3,
    )


@contextmanager
def sleep_trigger(env: dict[str, str], table: str, *, when: str, times: int, seconds: float) -> Iterator[None]:
    """While inside: the first `times` rows written to `table` that match `when` sleep `seconds` in their trigger.

    The count lives in a sequence, which a rollback does not undo: a retried transaction is not slowed again
    once `times` sleeps have been spent, however its earlier attempts ended."""
    with pg_connect(env) as connection:
        connection.execute("CREATE SEQUENCE fault_hits")
        connection.execute(
            "CREATE FUNCTION fault_sleep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF nextval('fault_hits') <= {int(times)} THEN PERFORM pg_sleep({float(seconds)}); END IF; "
            "RETURN NEW; END $$"
        )
        connection.execute(
            f"CREATE TRIGGER fault_sleep BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW WHEN ({when}) "
            "EXECUTE FUNCTION fault_sleep()"
        )
        try:
            yield
        finally:
            connection.execute(f"DROP TRIGGER IF EXISTS fault_sleep ON {table}")
            connection.execute("DROP FUNCTION IF EXISTS fault_sleep()")
            connection.execute("DROP SEQUENCE IF EXISTS fault_hits")


EVENTS = "pooling_events"


def event_of_line(lines: list[dict[str, Any]], index: int) -> str:
    """A trigger condition: the stored event that line `index` of a contribution file writes (stored states are
    compressed, so the row is named by its stream and version: an enrollment writes two events, a contribution one)."""
    citizen = lines[index]["citizen_id"]
    version = sum(2 if m["type"] == "enrollment" else 1 for m in lines[: index + 1] if m.get("citizen_id") == citizen)
    return f"NEW.originator_id = '{person_id(citizen)}' AND NEW.originator_version = {version}"


def sleeping_backends(admin: Any, dbname: str) -> list[int]:
    """Backends of `dbname` sleeping in the fault trigger: their transaction is open, their batch half-sent."""
    rows = admin.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event = 'PgSleep'", (dbname,)
    ).fetchall()
    return [int(row[0]) for row in rows]


def wait_until(condition: Any, timeout: float, what: str, step: float = 0.01) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Terminator(threading.Thread):
    """Terminates every backend of the database that sleeps in the fault trigger, until stopped."""

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(name="fault-terminator", daemon=True)
        self.env = env
        self._victims: set[tuple[int, Any]] = set()  # (pid, backend start): one backend, however often signalled
        self._halt = threading.Event()

    @property
    def killed(self) -> int:
        """How many backends were terminated (a slow one still seen sleeping is signalled again, counted once)."""
        return len(self._victims)

    def run(self) -> None:
        with pg_connect(self.env, "postgres") as admin:
            while not self._halt.is_set():
                for pid in sleeping_backends(admin, self.env["POSTGRES_DBNAME"]):
                    started = admin.execute(
                        "SELECT backend_start FROM pg_stat_activity WHERE pid = %s", (pid,)
                    ).fetchone()
                    if admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0] and started:
                        self._victims.add((pid, started[0]))
                time.sleep(0.01)

    def stop(self) -> None:
        self._halt.set()
        if self.ident is not None:  # started
            self.join(10)


@contextmanager
def database_outage(env: dict[str, str]) -> Iterator[None]:
    """The test's database stops answering (stands in for a stopped server, see the module docstring)."""
    dbname = env["POSTGRES_DBNAME"]
    with pg_connect(env, "postgres") as admin:
        admin.execute(f'ALTER DATABASE "{dbname}" WITH ALLOW_CONNECTIONS false')
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (dbname,),
            )
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{dbname}" WITH ALLOW_CONNECTIONS true')


# --- messages ---------------------------------------------------------------------------------------------------
def persons(count: int, unit: str = "32") -> list[str]:
    """`count` valid citizen IDs issued in `unit`'s province."""
    # Born 1975-1983: of working age in 2000, not yet of retirement age (50 for women workers) in 2020.
    return [make_citizen_id(unit, date(1975 + n % 9, 1 + n % 12, 1 + n % 28), 100 + n) for n in range(count)]


def contribution_file(count: int, months: int, unit: str = "32") -> list[dict[str, Any]]:
    """A province's file: `count` enrollments in January 2020, then `months` monthly contributions for each.

    Serials are unique and never a prefix of each other (`c0001m03`), so a trigger can pick one line."""
    people = persons(count, unit)
    lines = [enroll(person, unit, "2020-01-02", serial=f"e{n:04d}") for n, person in enumerate(people)]
    for month in range(1, months + 1):
        lines += [
            contribute(person, unit, f"2020-{month:02d}", 600_000, serial=f"c{n:04d}m{month:02d}")
            for n, person in enumerate(people)
        ]
    return lines


def write_jsonl(path: Path, messages: Iterable[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in messages), encoding="utf-8")
    return path


def cli_env(store_env: dict[str, str]) -> dict[str, str]:
    """The environment of a `pooling` subprocess on the test's store."""
    return {**os.environ, **store_env, "POOLING_SIMULATED": "1", "PYTHONUNBUFFERED": "1"}


# --- what must hold after any fault ---------------------------------------------------------------------------
def _log(
    app: PoolingApplication, messages: list[dict[str, Any]]
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[tuple[str, str], list[str]]]:
    """The command log's answers by (unit, serial) for these messages; one pass over the whole event log for the
    person event types by (unit, serial)."""
    keys = list({(m["unit"], m["serial"]) for m in messages})
    records = {key: row.answer for key, row in app.recorder.select_commands(keys).items()}  # type: ignore[attr-defined]
    events: dict[tuple[str, str], list[str]] = defaultdict(list)
    start = 0
    while section := app.recorder.select_notifications(start, 5000, inclusive_of_start=False):
        for notification in section:
            event = app.mapper.to_domain_event(notification)
            if isinstance(event, ev.PersonEvent):
                events[(event.unit, event.serial)].append(event.kind)
        start = section[-1].id
    return records, events


def assert_nothing_half_written(app: PoolingApplication, messages: list[dict[str, Any]]) -> set[str]:
    """Every message is wholly written (its command record and exactly the events its answer names) or wholly
    absent (no record, no event carrying its serial); every person's hash chain is intact. Returns the landed."""
    records, events = _log(app, messages)
    for citizen in {m["citizen_id"] for m in messages if "citizen_id" in m}:
        assert broken_links(app, citizen) == [], f"broken hash chain for {citizen}"
    done: set[str] = set()
    for message in messages:
        key = (message["unit"], message["serial"])
        written = events.get(key, [])
        if key in records:
            assert sorted(written) == sorted(records[key]["events"]), (key, written, records[key])
            done.add(message["serial"])
        else:
            assert written == [], f"events of {key} were written without its command record"
    return done


def assert_audit_passes(app: PoolingApplication, out_dir: Path) -> dict[str, Any]:
    """The audit replay finds nothing (chains, views rebuilt and compared, ledger invariants) and the national
    ledger balances; returns the replay's report."""
    ledger = Projections(app).ledger()
    assert ledger["debits_fen"] == ledger["credits_fen"], ledger
    result = start_replay(app, out_dir=out_dir)
    problems = [f for f in result.report["findings"] if f["severity"] == "error"]
    assert result.ok and not problems, problems
    return result.report


# --- concurrent writers -----------------------------------------------------------------------------------------
SAME_INSTANT = at("2024-06-15")  # every racing command is recorded at one instant: a simulated clock never goes back


def race_commands(people: list[str], periods: list[str], writer: str) -> list[dict[str, Any]]:
    """One writer's back-payments: every (person, period), under the writer's own serials, month by month across
    the persons, so that writers sending at the same time append to the same streams at the same time."""
    return [
        back_pay(person, "32", period, 600_000, on=SAME_INSTANT, serial=f"{writer}-{n:02d}-{period}")
        for period in periods
        for n, person in enumerate(people)
    ]


def apply_with_retries(app: PoolingApplication, message: dict[str, Any], attempts: int = 20) -> str:
    """What a client does: send, and resend on `conflict` (nothing was written); the final outcome's code."""
    for _ in range(attempts):
        try:
            return str(app.submit(message)["status"])
        except DomainError as error:
            if error.code.value != "conflict":
                return f"{error.code.value}:{error.rule or ''}"
    return "conflict"


def writer_main(job_file: str) -> None:
    """A writer process: reads {"env", "messages", "threads"} from `job_file`, sends the messages from that many
    threads sharing one application (as the API does), prints {serial: outcome} as JSON."""
    job = json.loads(Path(job_file).read_text(encoding="utf-8"))
    app = PoolingApplication(env=job["env"])
    outcomes: dict[str, str] = {}
    try:
        messages, threads = job["messages"], int(job["threads"])
        start = threading.Barrier(threads)
        # A barrier across processes: each says it is ready, and all start once all are (imports take a second).
        barrier = Path(job["barrier"])
        (barrier / f"{os.getpid()}.ready").touch()
        wait_until(lambda: len(list(barrier.glob("*.ready"))) >= job["parties"], 30, "the other writers", 0.002)

        def work(share: list[dict[str, Any]]) -> None:
            start.wait()
            for message in share:
                outcomes[message["serial"]] = apply_with_retries(app, message)

        workers = [threading.Thread(target=work, args=(messages[i::threads],)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        app.close()
    sys.stdout.write(json.dumps(outcomes))


def start_writers(
    env: dict[str, str], shares: list[list[dict[str, Any]]], threads: int, workdir: Path
) -> list[subprocess.Popen[str]]:
    """One writer process per share of messages, all starting together; their outcomes are on their stdout."""
    barrier = workdir / "barrier"
    barrier.mkdir()
    return [
        _start_writer(
            {"env": env, "messages": share, "threads": threads, "barrier": str(barrier), "parties": len(shares)},
            workdir / f"writer-{n}.json",
        )
        for n, share in enumerate(shares)
    ]


def _start_writer(job: dict[str, Any], job_file: Path) -> subprocess.Popen[str]:
    job_file.write_text(json.dumps(job), encoding="utf-8")
    code = (
        f"import sys; sys.path[:0] = [{str(TESTS)!r}, {str(ROOT)!r}]; "
        f"import test_faults_support as s; s.writer_main({str(job_file)!r})"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
