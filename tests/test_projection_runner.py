"""The runner's lean read: only rows some view folds are decoded, and they decode exactly as the library's mapper
decodes them; batches of any size give the same views; the calendar's shared months are the months."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest
from scenarios import combined, combined_application

from domain import events as ev
from domain.application import PoolingApplication
from projections.database import RecordingCursor, ViewCursor
from projections.parallel_rebuild import rebuild_in_processes
from projections.queries import Projections
from projections.runner import ProjectionRunner, RebuildInProgress
from projections.views.dossiers import RUN_EVENTS, DossierView
from standards.calendar import Month, months_between


@pytest.fixture
def app(simulated_env: dict[str, str]) -> PoolingApplication:
    return combined_application(simulated_env)


class Everything:
    """A view with no `event_types`: it is given every row of the log."""

    name = "everything"

    def __init__(self) -> None:
        self.seen: list[tuple[int, Any]] = []

    def create(self, cursor: ViewCursor) -> None:
        pass

    def drop(self, cursor: ViewCursor) -> None:
        pass

    def forget(self) -> None:
        pass

    def process(self, cursor: ViewCursor, events: Sequence[tuple[int, Any]]) -> None:
        self.seen.extend(events)


def _library_decoded(app: PoolingApplication) -> list[tuple[int, Any]]:
    notifications = app.recorder.select_notifications(1, 1_000_000)
    return [(n.id, app.mapper.to_domain_event(n)) for n in notifications]


def test_decoded_events_are_the_library_mappers(app: PoolingApplication) -> None:
    view = Everything()
    done = ProjectionRunner(app, [view], batch_size=17).run()
    expected = _library_decoded(app)
    assert done.events == len(expected)
    assert [position for position, _ in view.seen] == [position for position, _ in expected]
    for (_, mine), (_, theirs) in zip(view.seen, expected, strict=True):
        assert type(mine) is type(theirs)
        assert mine.__dict__ == theirs.__dict__


def test_rows_no_view_folds_are_not_decoded(app: PoolingApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    wanted = [position for position, event in _library_decoded(app) if isinstance(event, (ev.PersonEvent, *RUN_EVENTS))]
    total = len(app.recorder.select_notifications(1, 1_000_000))
    assert len(wanted) < total  # the log holds records the views do not fold (settings, maybe command records)
    transcoder = app.mapper.transcoder
    decode, calls, inside = transcoder.decode, [], [False]

    def counting(data: bytes) -> Any:
        if inside[0]:
            calls.append(data)
        return decode(data)

    monkeypatch.setattr(transcoder, "decode", counting)
    projections = Projections(app, batch_size=10)
    runner_decode = projections.runner._decode

    def decoding(rows: Any) -> Any:  # count the runner's own decoding (a view may read a stream from the store)
        inside[0] = True
        try:
            return runner_decode(rows)
        finally:
            inside[0] = False

    monkeypatch.setattr(projections.runner, "_decode", decoding)
    done = projections.runner.run()
    assert done.events == total
    assert len(calls) == len(wanted)
    head = app.recorder.max_notification_id()
    assert projections.runner.positions() == {"dossiers": head, "ledgers": head}


def _rows(projections: Projections) -> dict[str, list[dict[str, Any]]]:
    found = {}
    with projections.runner.db.transaction(commit=False) as cursor:
        for table, order in (
            ("dossier_view", "person_id"),
            ("risk_facts_view", "person_id"),
            ("ledger_view", "unit, account, month"),
            ("ledger_transit_view", "month"),
        ):
            cursor.execute(f"SELECT * FROM {table} ORDER BY {order}")
            found[table] = cursor.fetchall()
    return found


def test_batch_size_and_views_at_different_positions_give_the_same_views(app: PoolingApplication) -> None:
    one = Projections(app, batch_size=1_000_000)
    one.catch_up()
    expected = _rows(one)
    small = Projections(app, batch_size=3)
    small.runner.rebuild("ledgers")  # ledgers at the head, dossiers rebuilt after it in batches of 3
    small.runner.rebuild("dossiers")
    assert _rows(small) == expected


def test_shared_months_are_equal_to_new_ones() -> None:
    for text in ("2024-01", "2024-12", "0001-01", "9999-12"):
        parsed = Month.parse(text)
        assert parsed == Month(int(text[:4]), int(text[5:])) and Month.parse(text) is parsed
        assert Month.from_index(parsed.index) == parsed and str(parsed) == text
    assert Month.of(date(2023, 2, 28)) == Month(2023, 2)
    assert months_between(Month(2023, 11), Month(2024, 2)) == [
        Month(2023, 11),
        Month(2023, 12),
        Month(2024, 1),
        Month(2024, 2),
    ]
    for bad in ("2024-13", "2024-00", "0000-05", "2024-1", "24-01", ""):
        with pytest.raises(ValueError):
            Month.parse(bad)
    with pytest.raises(ValueError):
        Month.from_index(5)  # year 0


def test_views_folded_before_the_lock_give_the_same_views(app: PoolingApplication) -> None:
    expected_projections = Projections(app, batch_size=1_000_000)
    expected_projections.catch_up()
    expected = _rows(expected_projections)
    for name in ("dossiers", "ledgers"):
        with expected_projections.runner.db.transaction() as cursor:
            view = expected_projections.runner.view(name)
            view.drop(cursor)
            view.create(cursor)
            cursor.execute("DELETE FROM pooling_view_tracking WHERE view_name = %s", (name,))
    first, second = Projections(app, batch_size=40), Projections(app, batch_size=40)
    first.runner.run(views=[first.dossiers], compute_first=True)
    second.runner.run(views=[second.ledgers], compute_first=True)
    assert _rows(first) == expected


class Interrupted:
    """The ledger view of one runner, whose fold lets another runner commit the same batch first."""

    def __init__(self, inner: Any, other: ProjectionRunner) -> None:
        self.inner, self.other, self.name, self.event_types = inner, other, inner.name, inner.event_types
        self.interruptions = 0

    def create(self, cursor: ViewCursor) -> None:
        self.inner.create(cursor)

    def drop(self, cursor: ViewCursor) -> None:
        self.inner.drop(cursor)

    def forget(self) -> None:
        self.inner.forget()

    def process(self, cursor: ViewCursor, events: Sequence[tuple[int, Any]]) -> None:
        if self.interruptions < 2:
            self.interruptions += 1
            self.other.run(views=[self.other.view("ledgers")], limit=1)  # commits this very batch
        self.inner.process(cursor, events)


def test_a_batch_folded_before_the_lock_is_not_written_when_another_runner_committed_it(
    app: PoolingApplication,
) -> None:
    whole = Projections(app, batch_size=1_000_000)
    whole.catch_up()
    expected = _rows(whole)["ledger_view"]
    with whole.runner.db.transaction() as cursor:
        whole.ledgers.drop(cursor)
        whole.ledgers.create(cursor)
        cursor.execute("DELETE FROM pooling_view_tracking WHERE view_name = 'ledgers'")
    other = Projections(app, batch_size=30)
    mine = Projections(app, batch_size=30)
    interrupted = Interrupted(mine.ledgers, other.runner)
    done = mine.runner.run(views=[interrupted], compute_first=True)  # type: ignore[list-item]
    assert interrupted.interruptions == 2
    assert done.events < app.recorder.max_notification_id()  # two batches were the other runner's
    assert _rows(mine)["ledger_view"] == expected  # and none was counted twice


def _expected_then_emptied(app: PoolingApplication) -> dict[str, list[dict[str, Any]]]:
    """The views caught up in one batch (the reference), then emptied for the runners under test."""
    one = Projections(app, batch_size=1_000_000)
    one.catch_up()
    expected = _rows(one)
    one.runner.reset(one.runner.views)
    return expected


def _waiting(projections: Projections) -> int:
    with projections.runner.db.transaction(commit=False) as cursor:
        return int(cursor.tuples("SELECT count(*) FROM dossier_pending")[0][0])


def test_a_catch_up_stopped_behind_the_head_leaves_its_dossiers_marked_and_the_next_runner_writes_them(
    app: PoolingApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("projections.views.dossiers.SETTLE_SECONDS", 3600.0)  # however slow the machine
    expected = _expected_then_emptied(app)
    head = app.recorder.max_notification_id()
    stopped = Projections(app, batch_size=7)
    done = stopped.runner.run(limit=head // 7)  # full batches only: behind the head, so the dossiers wait
    assert done.events == head // 7 * 7
    assert _waiting(stopped) > 0
    assert _rows(stopped)["dossier_view"] == []
    fresh = Projections(app, batch_size=7)  # another process: it knows only what was committed
    assert fresh.runner.run().events == head % 7  # few persons are in the last rows: the others were marked
    assert _rows(fresh) == expected
    assert _waiting(fresh) == 0


def test_runners_taking_turns_behind_the_head_write_every_dossier_at_its_latest_version(
    app: PoolingApplication,
) -> None:
    expected = _expected_then_emptied(app)
    # One event per batch: each runner's folds fall behind the other's, and whichever reaches the head first
    # writes every dossier, also those whose latest event the other runner folded.
    first, second = Projections(app, batch_size=1), Projections(app, batch_size=1)
    while True:
        moved = first.runner.run(limit=1).events + second.runner.run(limit=1).events
        if not moved:
            break
    assert _rows(first) == expected
    assert _waiting(first) == 0


class FailsOnce:
    """The dossier view of a runner whose third batch fails after folding (a lost connection, say)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.event_types = inner, inner.name, inner.event_types
        self.batches = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def process(self, cursor: ViewCursor, events: Sequence[tuple[int, Any]]) -> None:
        self.inner.process(cursor, events)
        self.batches += 1
        if self.batches == 3:
            raise ConnectionError("lost")


def test_a_failed_batch_while_dossiers_wait_loses_none_of_them(app: PoolingApplication) -> None:
    expected = _expected_then_emptied(app)
    projections = Projections(app, batch_size=6)
    failing = FailsOnce(projections.dossiers)
    with pytest.raises(ConnectionError):
        projections.runner.run(views=[failing, projections.ledgers])  # type: ignore[list-item]
    assert _waiting(projections) > 0  # the two committed batches' persons
    projections.runner.run()
    assert _rows(projections) == expected


def test_a_runner_that_stays_behind_the_head_still_writes_the_waiting_dossiers_after_a_while(
    app: PoolingApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("projections.views.dossiers.SETTLE_SECONDS", 0.0)  # "a while" has passed at every batch
    _expected_then_emptied(app)
    behind = Projections(app, batch_size=7)
    behind.runner.run(limit=1)  # the first batch leaves its persons waiting
    assert _rows(behind)["dossier_view"] == [] and _waiting(behind) > 0
    behind.runner.run(limit=1)  # the next, still behind the head, finds them overdue
    assert _rows(behind)["dossier_view"] != [] and _waiting(behind) == 0


def test_a_rebuild_in_two_processes_gives_the_views_of_one_catch_up_and_hands_over_to_the_runner(
    postgres_env: dict[str, str],
) -> None:
    app = PoolingApplication(env={**postgres_env, "POOLING_SIMULATED": "1"})
    try:
        messages = combined()
        for message in messages[: len(messages) * 2 // 3]:
            app.submit(message)
        expected = _expected_then_emptied(app)
        seen: list[tuple[int, int]] = []
        done = rebuild_in_processes(app, workers=2, batch_size=7, on_progress=lambda at, head: seen.append((at, head)))
        head = app.recorder.max_notification_id()
        assert done.events == head and seen and seen[-1] == (head, head)
        projections = Projections(app)
        assert _rows(projections) == expected
        assert projections.runner.positions() == {"dossiers": head, "ledgers": head}
        for message in messages[len(messages) * 2 // 3 :]:
            app.submit(message)
        assert projections.runner.run().events == app.recorder.max_notification_id() - head  # from there on
        assert _rows(projections) == _expected_then_emptied(app)
    finally:
        app.close()


def test_runners_refuse_while_a_rebuild_in_processes_is_unfinished(postgres_env: dict[str, str]) -> None:
    app = PoolingApplication(env={**postgres_env, "POOLING_SIMULATED": "1"})
    try:
        for message in combined():
            app.submit(message)
        projections = Projections(app)
        projections.runner.reset(projections.runner.views, rebuilding_to=app.recorder.max_notification_id())
        with pytest.raises(RebuildInProgress):
            projections.runner.run()  # as if the rebuild's processes had been killed: nothing is folded twice
        assert _rows(projections)["ledger_view"] == []
        rebuild_in_processes(app, workers=2)  # running it again finishes it
        assert projections.runner.run().events == 0
    finally:
        app.close()


def test_a_rebuild_in_processes_is_refused_on_sqlite(sqlite_env: dict[str, str]) -> None:
    app = PoolingApplication(env=sqlite_env)
    try:
        with pytest.raises(ValueError, match="PostgreSQL"):
            rebuild_in_processes(app, workers=2)
    finally:
        app.close()


def test_the_rebuild_command_in_processes_and_in_one(postgres_env: dict[str, str]) -> None:
    from typer.testing import CliRunner

    from api.cli import app as cli

    env = {**postgres_env, "POOLING_SIMULATED": "1"}
    app = PoolingApplication(env=env)
    try:
        for message in combined():
            app.submit(message)
        expected = _expected_then_emptied(app)
        projections = Projections(app)
        projections.runner.reset(projections.runner.views, rebuilding_to=app.recorder.max_notification_id())
        command = CliRunner()
        refused = command.invoke(cli, ["project", "rebuild", "ledgers"], env=env)
        assert refused.exit_code == 1 and "without a view's name" in refused.output
        assert command.invoke(cli, ["project", "rebuild", "ledgers", "--workers", "2"], env=env).exit_code == 1
        done = command.invoke(cli, ["project", "rebuild", "--workers", "2"], env=env)
        assert done.exit_code == 0, done.output
        assert "rebuilt dossiers and ledgers in 2 processes" in done.output
        assert _rows(projections) == expected
        again = command.invoke(cli, ["project", "rebuild"], env=env)  # one process, both views
        assert again.exit_code == 0, again.output
        assert _rows(projections) == expected
    finally:
        app.close()


def test_the_dossier_view_holds_no_more_folded_events_than_its_bound(
    app: PoolingApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A folded 20-year person is ~0.5 MB: counted in persons, 50,000 cached states could reach ~25 GB. Here the
    # bound leaves room for one person, and the views must still be exactly those of an unbounded catch-up.
    monkeypatch.setattr("projections.views.dossiers.SETTLE_SECONDS", 3600.0)  # behind the head, dossiers wait
    expected = _expected_then_emptied(app)
    lengths = [len(app.events_of(citizen)) for _, citizen in app.directory.everyone()]
    monkeypatch.setattr("projections.views.dossiers.EVENTS_HELD", max(lengths))
    projections = Projections(app, batch_size=7)
    view, held = projections.dossiers, []
    end_batch = view.end_batch

    def recording(cursor: ViewCursor, at_head: bool) -> None:
        end_batch(cursor, at_head)
        held.append(view.held_events())

    monkeypatch.setattr(view, "end_batch", recording)
    projections.runner.run()
    assert len(held) > 3 and max(held) <= max(lengths) < sum(lengths)  # unbounded, it would hold every person
    assert _rows(projections) == expected


def _deferred_rebuild(app: PoolingApplication, batch_size: int) -> Projections:
    """The views rebuilt as the audit replay and the parallel rebuild fold them: the dossiers deferred to `flush`."""
    projections = Projections(app, batch_size=batch_size)
    deferred = DossierView(app, defer=True)
    projections.runner.views = [deferred, projections.ledgers]
    projections.runner.run()
    with projections.runner.db.transaction() as cursor:
        deferred.flush(cursor)
    return projections


def _stream_reads(app: PoolingApplication, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The stream ids the application's store is asked for from now on, one entry per stream read."""
    read: list[Any] = []
    select_streams, get = app.recorder.select_streams, app.events.get
    monkeypatch.setattr(app.recorder, "select_streams", lambda ids: read.extend(ids) or select_streams(ids))
    monkeypatch.setattr(app.events, "get", lambda stream, **kw: read.append(stream) or get(stream, **kw))
    return read


def test_a_deferred_rebuild_within_the_bound_writes_the_same_views(
    app: PoolingApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _expected_then_emptied(app)
    monkeypatch.setattr("projections.views.dossiers.EVENTS_HELD", 10)  # less than any person: flushed every batch
    assert _rows(_deferred_rebuild(app, batch_size=7)) == expected


def test_many_rows_in_one_statement_add_up_as_row_by_row(app: PoolingApplication) -> None:
    """`insert_many` (one statement of arrays on PostgreSQL), given directly or recorded and replayed, adds into
    existing rows and inserts new ones as row-by-row upserts would, on either database."""
    db = ProjectionRunner(app, []).db
    upsert = "ON CONFLICT (unit, month) DO UPDATE SET fen = sums_check.fen + excluded.fen"
    with db.transaction() as cursor:
        cursor.execute(
            "CREATE TABLE sums_check (unit TEXT NOT NULL, month TEXT NOT NULL, fen BIGINT NOT NULL, "
            "PRIMARY KEY (unit, month))"
        )
        cursor.insert_many(
            "INSERT INTO sums_check (unit, month, fen)",
            ("text", "text", "bigint"),
            [("u1", "2024-01", 5), ("u2", "2024-01", 3_000_000_000_000)],
            upsert,
        )
        recorded = RecordingCursor(
            sqlite=not db.sqlite
        )  # the recording keeps no dialect: the replaying cursor's counts
        recorded.insert_many(
            "INSERT INTO sums_check (unit, month, fen)",
            ("text", "text", "bigint"),
            [("u1", "2024-01", -2), ("u3", "2024-02", 7)],
            upsert,
        )
        recorded.insert_many("INSERT INTO sums_check (unit, month, fen)", ("text", "text", "bigint"), [], upsert)
        recorded.replay(cursor)
        found = cursor.tuples("SELECT unit, month, fen FROM sums_check ORDER BY unit")
        cursor.execute("DROP TABLE sums_check")
    assert [tuple(row) for row in found] == [
        ("u1", "2024-01", 3),
        ("u2", "2024-01", 3_000_000_000_000),
        ("u3", "2024-02", 7),
    ]


def test_a_catch_up_of_interleaved_streams_that_do_not_fit_reads_each_stream_from_the_store_at_most_once(
    app: PoolingApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A month-ordered log (every person every month) with more persons than the view may hold: a person met
    without its state is not folded from its stream there and then (once per event: quadratic in the stream's
    length), but once, when the waiting dossiers are written at the head of the log."""
    monkeypatch.setattr("projections.views.dossiers.SETTLE_SECONDS", 3600.0)
    expected = _expected_then_emptied(app)
    persons = {person for person, _ in app.directory.everyone()}
    monkeypatch.setattr("projections.views.dossiers.EVENTS_HELD", 2)  # no person's state stays held
    read = _stream_reads(app, monkeypatch)
    projections = Projections(app, batch_size=3)
    done = projections.runner.run()
    assert done.batches > 10 * len(persons)  # every person's events spread over many batches
    assert _rows(projections) == expected
    person_reads = [stream for stream in read if stream in persons]  # (the national runs' stream is read too)
    assert person_reads and len(person_reads) == len(set(person_reads))


def test_a_deferred_rebuild_of_interleaved_streams_that_do_not_fit_reads_each_stream_from_the_store_at_most_once(
    app: PoolingApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit replay's and the parallel rebuild's deferred view: a person whose state was let go is folded from
    the store once, at `flush`, and the views are those of an unbounded catch-up."""
    expected = _expected_then_emptied(app)
    persons = {person for person, _ in app.directory.everyone()}
    monkeypatch.setattr("projections.views.dossiers.EVENTS_HELD", 2)
    read = _stream_reads(app, monkeypatch)
    assert _rows(_deferred_rebuild(app, batch_size=3)) == expected
    person_reads = [stream for stream in read if stream in persons]
    assert person_reads and len(person_reads) == len(set(person_reads))
