"""The bulk seeder writes exactly what the command path writes: same streams, dossiers and ledgers."""

from __future__ import annotations

from typing import Any

import pytest
from stored_rows import commands as command_rows
from stored_rows import streams

from domain.application import PoolingApplication
from domain.stores import commands as command_log
from loadtests.population import feed, generate
from loadtests.seeding import SeedSpec, seed
from loadtests.seeding.shard import run_shard
from loadtests.seeding.stores import META, open_store
from projections.database import ViewDatabase
from projections.queries import Projections
from projections.runner import SeedInProgress
from standards.calendar import Month

SPEC = SeedSpec(persons=40, seed=11, first_year=2021, last_year=2025, shards=3, flush_rows=3000)


def _views(app: PoolingApplication) -> tuple[dict[str, Any], dict[str | None, Any]]:
    projections = Projections(app)
    citizens = sorted(citizen for _, citizen in app.directory.everyone())
    dossiers = {citizen: projections.dossier(citizen) for citizen in citizens}
    units: list[str | None] = [None, *sorted({unit for d in dossiers.values() for unit in d["months_by_unit"]})]
    ledgers = {unit: projections.ledger(unit) for unit in units}
    ledgers.update({f"{unit}@2023-06": projections.ledger(unit, Month(2023, 6)) for unit in units})  # type: ignore[misc]
    return dossiers, ledgers


def _view_tables(app: PoolingApplication) -> dict[str, list[tuple[Any, ...]]]:
    """The stored rows of the dossier, risk and ledger views (event-row chunks are cut by batch: compared by reads)."""
    tables = {"dossier_view": "person_id", "risk_facts_view": "person_id", "ledger_view": "unit, account, month"}
    tables["ledger_transit_view"] = "month"
    with ViewDatabase(app.recorder).transaction(commit=False) as cursor:
        return {table: cursor.tuples(f"SELECT * FROM {table} ORDER BY {order}") for table, order in tables.items()}


def _assert_footprint(report: Any) -> None:
    footprint = report.footprint
    assert footprint is not None
    if footprint.events_bytes is not None:  # SQLite without `dbstat` knows only its file's size
        assert footprint.commands_bytes is not None
        assert footprint.database_bytes >= footprint.events_bytes + footprint.commands_bytes
        assert 50 < footprint.events_bytes / report.stored_events < 5000
    assert footprint.database_bytes > 0


def _compare(commands_env: dict[str, str], seeded_env: dict[str, str], workers: int) -> None:
    commands = PoolingApplication(env={**commands_env, "POOLING_SIMULATED": "1"})
    report = feed(
        commands, generate(SPEC.persons, seed=SPEC.seed, first_year=SPEC.first_year, last_year=SPEC.last_year)
    )
    assert report.applied > 1000
    result = seed(seeded_env, SPEC, workers=workers)
    assert result.events > 0
    seeded = PoolingApplication(env={**seeded_env, "POOLING_SIMULATED": "1"})
    try:
        assert seeded.simulated
        expected, got = streams(commands), streams(seeded)
        # the report counts every stored event, and says what they take on disk
        assert result.stored_events == result.events == sum(map(len, got.values()))
        assert result.peak_rss_mb > 10  # a Python process with the application loaded
        _assert_footprint(result)
        assert set(got) == set(expected)
        for key, rows in expected.items():
            assert got[key] == rows, key
        assert len(command_rows(commands)) == report.applied
        assert command_rows(seeded) == command_rows(commands)
        assert seeded.now == commands.now  # the simulated clock: the latest recorded_at
        # the shards folded the views themselves: at the head of the log, and equal to a catch-up's rows
        head = seeded.recorder.max_notification_id()
        assert Projections(seeded).runner.positions() == {"dossiers": head, "ledgers": head}
        Projections(commands).catch_up()
        assert _view_tables(seeded) == _view_tables(commands)
        assert _view_tables(seeded)["dossier_view"] and _view_tables(seeded)["ledger_view"]
        assert _views(seeded) == _views(commands)
        # a second run finds the seed finished and writes nothing, and reports the same store
        again = seed(seeded_env, SPEC, workers=workers)
        assert again.already_finished and again.events == 0 and again.stored_events == result.stored_events
        _assert_footprint(again)
    finally:
        commands.close()
        seeded.close()


def test_seeded_sqlite_store_equals_the_command_path(tmp_path: Any) -> None:
    _compare(
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(tmp_path / "commands.sqlite")},
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(tmp_path / "seeded.sqlite")},
        workers=0,
    )


@pytest.mark.postgres
def test_seeded_postgres_store_equals_the_command_path(postgres_env: dict[str, str], tmp_path: Any) -> None:
    # the command path on SQLite, the seed on PostgreSQL: the stored bytes do not depend on the store
    _compare(
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(tmp_path / "commands.sqlite")},
        postgres_env,
        workers=0,
    )
    # the primary keys, dropped for the load, are back (and so every row was checked unique once)
    store = open_store(postgres_env)
    try:
        keys = store.connection.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'p' "
            "AND conrelid::regclass::text IN ('pooling_events', 'pooling_commands') ORDER BY 1"
        ).fetchall()
    finally:
        store.close()
    assert keys == [
        ("pooling_commands", "PRIMARY KEY (unit, serial)"),
        ("pooling_events", "PRIMARY KEY (originator_id, originator_version)"),
    ]


class Killed(Exception):
    """Stands for a kill -9 in the middle of a shard."""


def test_a_killed_seed_resumes_to_the_same_store(tmp_path: Any) -> None:
    whole = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(tmp_path / "whole.sqlite")}
    resumed = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(tmp_path / "resumed.sqlite")}
    spec = SeedSpec(**{**SPEC.__dict__, "flush_rows": 200})  # many flushes: the kill falls between two
    seed(whole, spec, workers=0)
    months = 0

    def kill_after_30_months(done: int, messages: int, events: int) -> None:
        nonlocal months
        months += done
        if months == spec.months + 30:  # shard 0 done, shard 1 at its 30th month
            raise Killed

    with pytest.raises(Killed):
        seed(resumed, spec, workers=0, progress=kill_after_30_months)
    partial = PoolingApplication(env=resumed)
    assert (partial.recorder.max_notification_id() or 0) > 0
    with pytest.raises(SeedInProgress):  # the shards' ledger sums would be counted twice
        Projections(partial).catch_up()
    partial.close()
    counted = 0

    def count_months(done: int, messages: int, events: int) -> None:
        nonlocal counted
        counted += done

    report = seed(resumed, spec, workers=0, progress=count_months)
    assert report.resumed_shards == 1 and not report.already_finished
    assert counted == spec.months * len(spec.own_shards)  # the shard done before the kill counts too: the bar ends full
    a, b = PoolingApplication(env=whole), PoolingApplication(env=resumed)
    try:
        assert streams(a) == streams(b)
        assert command_rows(a) == command_rows(b)
        assert _view_tables(a) == _view_tables(b)  # a flush's ledger sums are written once, with its rows
    finally:
        a.close()
        b.close()


class _Discard:
    """A progress queue that drops what it is given."""

    def put(self, item: Any) -> None:
        pass


def _second_shard_frees_the_first(env: dict[str, str], spec: SeedSpec) -> bool:
    """In a seeder worker process: run shard 0, then shard 1; whether shard 0's persons were freed."""
    import weakref

    from loadtests.seeding import coordinator

    coordinator._start_worker(_Discard())
    coordinator._worker(env, spec, 0)
    app = coordinator._KEPT[0]
    person = weakref.ref(app.repository.cache.aggregates()[0])  # a cached person
    del app
    coordinator._worker(env, spec, 1)
    return person() is None


def test_a_worker_given_a_second_shard_frees_the_first(tmp_path: Any) -> None:
    # One shard's objects in memory at a time: a 70,000-person seed on 2 workers ran out of memory without it.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from loadtests.seeding.stores import prepare

    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "POOLING_DB": str(tmp_path / "s.sqlite"),
        "POOLING_SIMULATED": "1",
    }
    spec = SeedSpec(persons=12, seed=3, first_year=2024, last_year=2025, shards=2)
    prepare(env)
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert pool.submit(_second_shard_frees_the_first, env, spec).result()


def test_a_flush_writes_its_rows_stream_by_stream() -> None:
    # a person's events of one flush then share heap pages: a stream read touches ~one page per flush
    outputs = list(
        run_shard(
            SPEC.persons,
            seed=SPEC.seed,
            first_year=SPEC.first_year,
            last_year=SPEC.last_year,
            shard=0,
            shards=SPEC.shards,
            flush_rows=300,
        )
    )
    assert len(outputs) > 2
    versions: dict[Any, int] = {}
    for output in outputs:
        keys = [(row.originator_id.int, row.originator_version) for row in output.rows]
        assert keys == sorted(keys)
        for row in output.rows:  # across flushes, each stream's versions still follow one another
            assert row.originator_version == versions.get(row.originator_id, 0) + 1
            versions[row.originator_id] = row.originator_version


def _seed_then_hang_on_the_keys(env: dict[str, str]) -> None:
    """In a process of its own: seed, holding a lock (from a second connection, taken at the first month) that lets
    the shards write but that the key build of the seed's final phase waits for; the test kills the process there."""
    import psycopg

    holder: list[Any] = []

    def block_the_command_log(done: int, messages: int, events: int) -> None:
        if holder:
            return
        connection = psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
        )
        # ACCESS SHARE lets the shards' COPY in, and stops ALTER TABLE … ADD CONSTRAINT on the command log
        connection.execute(f"LOCK TABLE {command_log.TABLE} IN ACCESS SHARE MODE")
        holder.append(connection)

    seed(env, SPEC, workers=0, progress=block_the_command_log)


@pytest.mark.postgres
def test_a_seed_killed_while_it_builds_its_keys_finishes_when_run_again(
    postgres_env: dict[str, str], tmp_path: Any
) -> None:
    import multiprocessing
    import time

    import psycopg

    whole = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(tmp_path / "whole.sqlite")}
    seed(whole, SPEC, workers=0)
    process = multiprocessing.get_context("spawn").Process(target=_seed_then_hang_on_the_keys, args=(postgres_env,))
    process.start()
    env = postgres_env
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        autocommit=True,
    ) as watcher:

        def waiting_key_builds() -> int:
            found = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE %s",
                (f"ALTER TABLE {command_log.TABLE} ADD CONSTRAINT%",),
            ).fetchone()
            return int(found[0]) if found else 0

        deadline = time.monotonic() + 120
        while not waiting_key_builds():
            assert process.is_alive() and time.monotonic() < deadline, "the seed never reached its key build"
            time.sleep(0.05)
        process.kill()  # with the events' key built and the command log's waiting, in one transaction
        process.join()
        while watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone() != (0,):
            time.sleep(0.05)
        keys = watcher.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'p' "
            "AND conrelid::regclass::text IN ('pooling_events', 'pooling_commands')"
        ).fetchone()
    assert keys == (0,)  # the transaction died with its process: no key half-built
    report = seed(postgres_env, SPEC, workers=0)
    assert not report.already_finished and report.resumed_shards == 0  # every shard was done: only the final phase
    store = open_store(postgres_env)
    try:
        assert store.progress()[META]["finished"]
        keys = store.connection.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'p' "
            "AND conrelid::regclass::text IN ('pooling_events', 'pooling_commands')"
        ).fetchone()
    finally:
        store.close()
    assert keys == (2,)
    a, b = PoolingApplication(env=whole), PoolingApplication(env=postgres_env)
    try:
        assert streams(a) == streams(b)
        assert command_rows(a) == command_rows(b)
    finally:
        a.close()
        b.close()


def test_the_seed_command_reports_its_events_and_its_disk(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from api.cli import app as cli

    store = tmp_path / "seeded.sqlite"
    arguments = [
        "seed",
        "--persons",
        "12",
        "--years",
        "2",
        "--first-year",
        "2024",
        "--workers",
        "0",
        "--db",
        str(store),
    ]
    first = CliRunner().invoke(cli, arguments)
    assert first.exit_code == 0, first.output
    app = PoolingApplication(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(store)})
    try:
        events = app.recorder.max_notification_id()
    finally:
        app.close()
    output = " ".join(first.output.split())
    assert f"{events:,} events written in" in output
    assert "on disk: database" in output and "peak RSS of the largest process" in output
    again = CliRunner().invoke(cli, arguments)
    assert again.exit_code == 0, again.output
    output = " ".join(again.output.split())
    assert "already holds this seed" in output and "on disk: database" in output
    assert "shard-months" in first.output and "shard-months" not in again.output  # no empty progress bar
    if "B/event" in output:
        assert f"for {events:,} events" in output
