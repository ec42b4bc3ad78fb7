"""`PoolingApplication`: the only way to change state. One entry point, `submit`, for every interchange message.

Checks run in DOMAIN.md §15.1's order: schema → (unit, serial) seen → simulated clock → identifiers → person
exists → rules → policy data; then events are written with the command's row in the command log, in one
transaction (domain/stores). A batch applies many messages and saves all their persons in one transaction."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, Mapper, PersistenceError, Recording, Transcoder
from eventsourcing.utils import strtobool

from domain import events as ev
from domain.clock import recorded_date, utc_now
from domain.commands.context import CommandContext, RunsKnown
from domain.directory import PersonDirectory
from domain.dispatch import PERSON_HANDLERS, RUN_TYPES, run_for_person, start_run
from domain.errors import DomainError, UnknownPerson
from domain.person import Person, person_id
from domain.registry import RUNS_ID, SETTINGS_ID, CommandKey, CommandRow, NationalRuns, StoreSettings
from domain.repository import EventBoundedCache, PoolingRepository
from domain.settings import AGGREGATE_CACHE_EVENTS, store_environment
from domain.stores.encoding import PoolingMapper, StateCompressor
from domain.transcoding import OrjsonTranscoder
from standards.codes import ErrorCode
from standards.identifiers import IdentifierError, parse_citizen_id, parse_uscc
from standards.interchange import AnyMessage, InterchangeError, canonical_body, parse_message
from standards.policy import MissingPolicyData, Policy, load_policy
from standards.rounding import as_rational

MAX_CONFLICT_RETRIES = 5
STARTUP_ATTEMPTS = 5
RUN_CHUNK = 500  # persons per transaction in a run


@dataclass
class Batch:
    """Aggregates changed by the messages of one transaction, not yet saved."""

    persons: dict[UUID, Person] = field(default_factory=dict)
    commands: dict[CommandKey, CommandRow] = field(default_factory=dict)
    others: dict[UUID, Any] = field(default_factory=dict)
    runs_known: RunsKnown | None = None
    looked_up: dict[CommandKey, CommandRow] | None = None  # the command log's rows for the batch's keys, if asked
    prefetched: dict[UUID, Person | None] = field(default_factory=dict)  # persons read for the batch, unused yet

    def aggregates(self) -> list[Any]:
        return [*self.persons.values(), *self.others.values()]


@dataclass
class _Slot:
    """One caller's message in a group commit, and what became of it."""

    message: AnyMessage
    issued_by: str | None
    outcome: Any = None  # the answer, a refusal, or the error that failed the whole group

    def answer(self) -> dict[str, Any]:
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        assert isinstance(self.outcome, dict)
        return self.outcome


class PoolingApplication(Application[UUID]):
    """The national pooling write model on SQLite (default) or PostgreSQL."""

    name = "pooling"
    log_section_size = 1000

    def __init__(self, env: Mapping[str, str] | None = None, policy: Policy | None = None) -> None:
        # Cached persons are shared, mutable objects (no deep copy): one command at a time per application,
        # else two threads append to the same cached person and break its version sequence and hash chain.
        self._lock = threading.RLock()
        self._group_lock = threading.Lock()  # guards `_waiting`, the messages of the next group commit
        self._waiting: list[_Slot] = []
        self._runs_known: tuple[tuple[int, int, int], RunsKnown] | None = None
        self._open_store(store_environment(env))
        self.policy = policy or load_policy()
        self.simulated = self._settings_simulated()
        self._now: datetime | None = self._latest_recorded_at() if self.simulated else None
        self.directory = PersonDirectory(self.recorder, self.mapper.to_domain_event)  # type: ignore[arg-type]

    def _open_store(self, env: dict[str, str]) -> None:
        """Open the store, creating its tables on first use. Processes starting together on a new PostgreSQL
        database race to create the same tables and functions (duplicate pg_type rows, "tuple concurrently updated"):
        the loser tries
        again, and then finds them made."""
        for attempt in range(STARTUP_ATTEMPTS):
            try:
                super().__init__(env)
                return
            except Exception as error:
                # The library wraps some driver errors (IntegrityError on pg_type) and lets others through.
                from_store = isinstance(error, PersistenceError) or type(error).__module__.startswith("psycopg")
                if not from_store or attempt == STARTUP_ATTEMPTS - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def construct_transcoder(self) -> Transcoder:
        return OrjsonTranscoder()

    def construct_repository(self) -> PoolingRepository:
        """The repository the library would construct from the environment, folding with `project_events`."""
        cache_maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        repository = PoolingRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=int(cache_maxsize) if cache_maxsize else None,
            fastforward=strtobool(self.env.get(self.AGGREGATE_CACHE_FASTFORWARD, "y")),
            fastforward_skipping=strtobool(self.env.get(self.AGGREGATE_CACHE_FASTFORWARD_SKIPPING, "n")),
            deepcopy_from_cache=strtobool(self.env.get(self.DEEPCOPY_FROM_AGGREGATE_CACHE, "y")),
        )
        events = self.env.get(AGGREGATE_CACHE_EVENTS)
        if cache_maxsize and int(cache_maxsize) > 0 and events:
            repository.cache = EventBoundedCache(int(cache_maxsize), int(events))
        return repository

    def construct_mapper(self) -> Mapper[UUID]:
        """Rows are stored compactly (domain/stores/encoding.py): the state deflated with a shipped dictionary by the
        library's compressor hook, the topic as a short alias. Set here, not by `COMPRESSOR_TOPIC`, so that no
        process can write a store in another encoding by missing a setting; a cipher (`CIPHER_TOPIC`) still applies."""
        return PoolingMapper(
            transcoder=self.construct_transcoder(), compressor=StateCompressor(), cipher=self.factory.cipher()
        )

    # --- store settings and clock --------------------------------------------------------------------
    def _settings_simulated(self) -> bool:
        try:
            settings: Any = self.repository.get(SETTINGS_ID)
        except AggregateNotFoundError:
            wanted = self.env.get("POOLING_SIMULATED", "") in ("1", "true", "yes")
            if not wanted or self.recorder.max_notification_id():
                return False
            settings = StoreSettings.initialize(simulated=True)
            self.save(settings)
        return bool(settings.simulated)

    def initialize(self, *, simulated: bool) -> bool:
        """`pooling init`: fix the store's time mode; a simulated store can never become live."""
        try:
            settings: Any = self.repository.get(SETTINGS_ID)
        except AggregateNotFoundError:
            if simulated and self.recorder.max_notification_id():
                raise DomainError(
                    ErrorCode.INVALID_FIELD, "the store already holds live events", field="simulated"
                ) from None
            self.save(StoreSettings.initialize(simulated=simulated))
            self.simulated = simulated
            return simulated
        if settings.simulated != simulated and settings.simulated:
            raise DomainError(
                ErrorCode.INVALID_FIELD, "a simulated store cannot be switched to live", field="simulated"
            )
        return bool(settings.simulated)

    def _latest_recorded_at(self) -> datetime | None:
        """The simulated clock on opening: the latest recorded_at saved (a command without events included)."""
        saved: datetime | None = self.recorder.clock()  # type: ignore[attr-defined]
        last = self.recorder.max_notification_id()
        if not last:
            return saved
        notification = self.recorder.select_notifications(last, 1)[0]
        stamped: datetime = self.mapper.to_domain_event(notification).timestamp  # type: ignore[attr-defined]
        return stamped if saved is None else max(saved, stamped)

    def _clock(self, message: AnyMessage) -> datetime:
        if not self.simulated:
            return utc_now()
        if message.recorded_at is None:
            raise DomainError(
                ErrorCode.INVALID_FIELD, "a simulated store needs recorded_at on every message", field="recorded_at"
            )
        if self._now is not None and message.recorded_at < self._now:
            raise DomainError(
                ErrorCode.CLOCK_BACKWARDS,
                f"recorded_at {message.recorded_at.isoformat()} is before the store's clock {self._now.isoformat()}",
                field="recorded_at",
            )
        return message.recorded_at

    @property
    def now(self) -> datetime:
        """The store's "now": the clock, or the latest recorded_at of a simulated store (§15.4)."""
        return (self._now or utc_now()) if self.simulated else utc_now()

    # --- loading ---------------------------------------------------------------------------------------
    def get_person(self, citizen_id: str) -> Person:
        """The person as stored now (a cached copy is refreshed if another writer has moved on)."""
        stream_id = person_id(citizen_id)
        try:
            with self._lock:
                person: Any = self.repository.get(stream_id)
                if any(True for _ in self.events.get(stream_id, gt=person.version, limit=1)):
                    self._evict(stream_id)
                    person = self.repository.get(stream_id)
        except AggregateNotFoundError:
            raise UnknownPerson(citizen_id) from None
        assert isinstance(person, Person)
        return person

    def _find_person(self, batch: Batch, stream_id: UUID) -> Person | None:
        if stream_id in batch.persons:
            return batch.persons[stream_id]
        if stream_id in batch.prefetched:
            return batch.prefetched.pop(stream_id)  # once: a refused message's person is read again (`_rollback`)
        try:
            person: Any = self.repository.get(stream_id)
        except AggregateNotFoundError:
            return None
        assert isinstance(person, Person)
        return person

    def _prefetch(self, messages: list[AnyMessage | InterchangeError]) -> dict[UUID, Person | None]:
        """The persons of a batch's messages that are not cached, read in one query instead of one per message
        (None: no stream yet, as for an enrollment). A message whose ID does not parse is left to `_apply`."""
        streams = []
        for message in messages:
            citizen = getattr(message, "citizen_id", None)
            if isinstance(citizen, str) and not isinstance(message, InterchangeError) and message.type not in RUN_TYPES:
                streams.append(person_id(citizen))
        return self._read_persons(streams)

    def _read_persons(self, streams: list[UUID]) -> dict[UUID, Person | None]:
        """Those of these persons that are not cached, read in one query (None: no stream yet)."""
        cache = self.repository.cache
        wanted: dict[UUID, None] = {}
        for stream_id in streams:
            if cache is not None:
                try:
                    cache.get(stream_id)
                    continue
                except KeyError:
                    pass
            wanted[stream_id] = None
        if len(wanted) < 2:
            return {}  # the library's own read is as fast for one
        stored = self.recorder.select_streams(list(wanted))  # type: ignore[attr-defined]
        found: dict[UUID, Person | None] = {}
        for stream_id in wanted:
            person: Any = None
            for row in stored.get(stream_id, ()):
                event: Any = self.mapper.to_domain_event(row)
                person = event.mutate(person)
            if person is None or isinstance(person, Person):  # anything else is left to the library's read
                found[stream_id] = person
        return found

    def _find_command(self, batch: Batch, unit: str, serial: str) -> CommandRow | None:
        """The command log's row for (unit, serial): in the batch, in what the batch looked up, or in the store."""
        key = (unit, serial)
        if key in batch.commands:
            return batch.commands[key]
        if batch.looked_up is not None:
            return batch.looked_up.get(key)
        return self._recorded_commands([key]).get(key)

    def command(self, unit: str, serial: str) -> CommandRow | None:
        """The command log's row for (unit, serial): the first answer, its digest and who issued it."""
        return self._recorded_commands([(unit, serial)]).get((unit, serial))

    def _recorded_commands(self, keys: list[CommandKey]) -> dict[CommandKey, CommandRow]:
        """The command log's rows among these keys: one query for a whole batch, not one per message."""
        return self.recorder.select_commands(keys) if keys else {}  # type: ignore[attr-defined]

    def _save_aggregates(self, aggregates: list[Any], commands: list[CommandRow]) -> None:
        """`save()` without the library's per-object protocol checks (slow on Python 3.11), with command rows."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in aggregates:
            processing_event.events.extend(aggregate.collect_events())
            processing_event.aggregates[aggregate.id] = aggregate
        processing_event.saved_kwargs["commands"] = commands
        if self.simulated and self._now is not None:
            processing_event.saved_kwargs["clock"] = self._now
        self._notify(self._record(processing_event))

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Store the events and command rows; cache only the persons (the library would cache every aggregate)."""
        recordings = self.events.put(
            processing_event.events, tracking=processing_event.tracking, **processing_event.saved_kwargs
        )
        cache = self.repository.cache
        if cache is not None and not self.repository.fastforward:
            for aggregate_id, aggregate in processing_event.aggregates.items():
                if isinstance(aggregate, Person):
                    cache.put(aggregate_id, aggregate)
        return recordings

    def runs(self, batch: Batch | None = None, now: datetime | None = None) -> NationalRuns:
        if batch is not None and RUNS_ID in batch.others:
            runs = batch.others[RUNS_ID]
            assert isinstance(runs, NationalRuns)
            return runs
        try:
            found: Any = self.repository.get(RUNS_ID)
        except AggregateNotFoundError:
            found = NationalRuns.start(now or self.now)
        assert isinstance(found, NationalRuns)
        # The cache does not read ahead: catch up with runs another process recorded (their rates are available).
        for event in self.events.get(RUNS_ID, gt=found.version):
            assert isinstance(event, NationalRuns.Event)
            event.mutate(found)
        return found

    def runs_known(self, batch: Batch | None = None) -> RunsKnown:
        if batch is not None and batch.runs_known is not None and RUNS_ID not in batch.others:
            return batch.runs_known  # read once per batch: person messages never record a run
        runs = self.runs(batch)
        key = (len(runs.interest), len(runs.adjustment), runs.version)
        if self._runs_known is None or self._runs_known[0] != key:
            known = RunsKnown(
                interest_rates={year: as_rational(rate) for year, (rate, _) in runs.interest.items()},
                adjustment_rates={year: as_rational(rate) for year, (rate, _) in runs.adjustment.items()},
            )
            self._runs_known = (key, known)
        if batch is not None:
            batch.runs_known = self._runs_known[1]
        return self._runs_known[1]

    # --- submitting ----------------------------------------------------------------------------------
    def submit(
        self, data: AnyMessage | Mapping[str, Any] | bytes | str, *, issued_by: str | None = None, migrate: bool = False
    ) -> dict[str, Any]:
        """Apply one message; return the answer (`applied` or `replayed`) or raise a typed error."""
        message = data if not isinstance(data, Mapping | bytes | str) else parse_message(data)
        with self._lock:
            return self._submit(message, issued_by=issued_by, migrate=migrate)

    def _submit(self, message: AnyMessage, *, issued_by: str | None, migrate: bool) -> dict[str, Any]:
        if message.type in RUN_TYPES:
            try:
                return self._run(message, issued_by=issued_by)
            except IntegrityError:
                # Persons already done are skipped when the run is resent (sub-commands keyed by serial, §15.9).
                raise DomainError(ErrorCode.CONFLICT, "another writer changed this run's data; resend it") from None
        for attempt in range(MAX_CONFLICT_RETRIES):
            batch, clock = Batch(), self._now
            answer = self._apply(message, batch, issued_by=issued_by, migrate=migrate)
            if answer["status"] == "replayed":
                return answer
            try:
                self._save(batch)
                return answer
            except IntegrityError:
                self._now = clock  # not saved: a simulated clock must not keep the message's time
                if attempt == MAX_CONFLICT_RETRIES - 1:
                    raise DomainError(ErrorCode.CONFLICT, "the person was changed concurrently; retry") from None
            except BaseException:
                self._now = clock
                raise
        raise AssertionError("unreachable")

    def submit_batch(
        self,
        messages: Iterable[AnyMessage | Mapping[str, Any]],
        *,
        issued_by: str | None = None,
        migrate: bool = False,
        issuers: list[str | None] | None = None,
    ) -> list[dict[str, Any] | DomainError | InterchangeError | IdentifierError]:
        """Apply many person messages and save them in one transaction; each gets its answer or its error.

        `issuers` gives each message its own `issued_by`. If another writer changed one of the persons meanwhile,
        the whole batch is applied again on fresh state."""
        listed = list(messages)
        with self._lock:
            for attempt in range(MAX_CONFLICT_RETRIES):
                try:
                    return self._submit_batch(listed, issued_by=issued_by, migrate=migrate, issuers=issuers)
                except IntegrityError:
                    if attempt == MAX_CONFLICT_RETRIES - 1:
                        raise DomainError(ErrorCode.CONFLICT, "persons were changed concurrently; retry") from None
        raise AssertionError("unreachable")

    def submit_grouped(
        self, message: AnyMessage, *, issued_by: str | None = None, migrate: bool = False
    ) -> dict[str, Any]:
        """`submit` for many concurrent callers (the HTTP API): messages that arrive while a transaction is being
        written are applied together in the next one (group commit), each answered as if sent alone.

        A commit's latency (the WAL flush) is then paid once per group, not once per message. Runs and
        `--migrate` messages go through `submit` on their own."""
        if message.type in RUN_TYPES or migrate:
            return self.submit(message, issued_by=issued_by, migrate=migrate)
        slot = _Slot(message, issued_by)
        with self._group_lock:
            self._waiting.append(slot)
        with self._lock:
            if slot.outcome is None:
                with self._group_lock:
                    group, self._waiting = self._waiting, []
                self._apply_group(group)
        return slot.answer()

    def _apply_group(self, group: list[_Slot]) -> None:
        try:
            outcomes = self.submit_batch([slot.message for slot in group], issuers=[slot.issued_by for slot in group])
        except BaseException as error:
            for slot in group:
                slot.outcome = error
            raise
        for slot, outcome in zip(group, outcomes, strict=True):
            slot.outcome = outcome

    def _submit_batch(
        self,
        messages: Iterable[AnyMessage | Mapping[str, Any]],
        *,
        issued_by: str | None,
        migrate: bool,
        issuers: list[str | None] | None = None,
    ) -> list[dict[str, Any] | DomainError | InterchangeError | IdentifierError]:
        batch, clock = Batch(), self._now
        parsed: list[AnyMessage | InterchangeError] = []
        for data in messages:
            try:
                parsed.append(data if not isinstance(data, Mapping) else parse_message(data))
            except InterchangeError as error:
                parsed.append(error)
        batch.looked_up = self._recorded_commands(
            list({(m.unit, m.serial): None for m in parsed if not isinstance(m, InterchangeError)})
        )
        batch.prefetched = self._prefetch(parsed)
        outcomes: list[dict[str, Any] | DomainError | InterchangeError | IdentifierError] = []
        for index, message in enumerate(parsed):
            try:
                if isinstance(message, InterchangeError):
                    raise message
                if message.type in RUN_TYPES:
                    raise DomainError(ErrorCode.INVALID_FIELD, "runs are submitted on their own", field="type")
                issuer = issued_by if issuers is None else issuers[index]
                outcomes.append(self._apply(message, batch, issued_by=issuer, migrate=migrate))
            except (DomainError, InterchangeError, IdentifierError) as error:
                outcomes.append(error)
        try:
            self._save(batch)
        except BaseException:
            # Nothing was saved: a simulated clock moved by the batch's messages goes back, else their resend (or
            # the conflict retry of this batch) would be refused `clock_backwards`.
            self._now = clock
            raise
        return outcomes

    def _save(self, batch: Batch) -> None:
        aggregates = batch.aggregates()
        if not aggregates and not batch.commands:
            return
        try:
            self._save_aggregates(aggregates, list(batch.commands.values()))
        except Exception:
            # A failed write must not leave unsaved events in cached aggregates.
            for aggregate in aggregates:
                self._evict(aggregate.id)
            raise

    def _evict(self, aggregate_id: UUID) -> None:
        cache = self.repository.cache
        if cache is not None:
            with contextlib.suppress(KeyError):
                cache.get(aggregate_id, evict=True)

    def _apply(
        self, message: AnyMessage, batch: Batch, *, issued_by: str | None, migrate: bool, fresh: bool = False
    ) -> dict[str, Any]:
        """Checks 2-8 of §15.1 for one person message, leaving its events and record in the batch."""
        digest = hashlib.sha256(canonical_body(message)).hexdigest()
        command = self._find_command(batch, message.unit, message.serial)
        if command is not None:
            return self._replayed(command, digest)
        recorded_at = self._clock(message)
        handler = PERSON_HANDLERS.get(message.type)
        if handler is None or (message.type in ("opening_balance", "migrated_benefit") and not migrate):
            raise DomainError(ErrorCode.INVALID_FIELD, f"{message.type} is accepted only under --migrate", field="type")
        citizen_text: str = message.citizen_id  # type: ignore[union-attr]
        citizen = parse_citizen_id(citizen_text, today=recorded_date(recorded_at), field="citizen_id")
        for name in ("employer_uscc",):
            value = getattr(message, name, None)
            if value is not None:
                parse_uscc(value, field=name)
        stream_id = person_id(citizen.number)
        person = self._find_person(batch, stream_id)
        if person is None and message.type != "enrollment":
            raise UnknownPerson(citizen.number)
        ctx = CommandContext(message.unit, message.serial, recorded_at, self.policy, self.runs_known(batch), migrate)
        mark = len(person.pending_events) if person is not None else 0
        cached = person is not None and stream_id not in batch.persons
        loaded_version = person.version if person is not None else 0
        try:
            person = handler(person, message, ctx, citizen)
        except MissingPolicyData as missing:
            self._rollback(batch, stream_id, person, mark)
            raise DomainError(ErrorCode.MISSING_POLICY_DATA, str(missing), field=None) from None
        except DomainError:
            self._rollback(batch, stream_id, person, mark)
            # A stale cached copy cannot be saved, but it could refuse wrongly: if another process wrote to this
            # person since it was cached, decide again on the person as stored (the rollback evicted the copy).
            if cached and not fresh and self._moved_on(stream_id, loaded_version):
                return self._apply(message, batch, issued_by=issued_by, migrate=migrate, fresh=True)
            raise
        except Exception:
            self._rollback(batch, stream_id, person, mark)
            raise
        batch.persons[stream_id] = person
        answer = {
            "status": "applied",
            "serial": message.serial,
            "events": [event.kind for event in ctx.written],
            "flags": sorted(set(ctx.flags)),
            **ctx.result,
        }
        batch.commands[(message.unit, message.serial)] = CommandRow(
            message.unit, message.serial, digest, citizen.number, answer, issued_by, recorded_at
        )
        if self.simulated:
            self._now = recorded_at
        return answer

    def _moved_on(self, stream_id: UUID, version: int) -> bool:
        """Whether the store holds events of the stream after `version`."""
        return any(True for _ in self.events.get(stream_id, gt=version, limit=1))

    def _replayed(self, command: CommandRow, digest: str) -> dict[str, Any]:
        if command.digest != digest:
            raise DomainError(
                ErrorCode.SERIAL_REUSED, "this (unit, serial) was used for a different message", field="serial"
            )
        return {**command.answer, "status": "replayed"}

    def _rollback(self, batch: Batch, stream_id: UUID, person: Person | None, mark: int) -> None:
        """Undo a refused command's events on a batch's person: reload and re-apply what came before it."""
        self._evict(stream_id)
        if person is None:
            return
        kept = person.pending_events[:mark]
        fresh = self._find_person(Batch(), stream_id)
        if fresh is None:
            if not kept:
                batch.persons.pop(stream_id, None)
                return
            fresh = kept[0].mutate(None)
            assert isinstance(fresh, Person)
            fresh.pending_events.append(kept[0])
            kept = kept[1:]
        for event in kept:
            event.mutate(fresh)
            fresh.pending_events.append(event)
        if stream_id in batch.persons or kept:
            batch.persons[stream_id] = fresh

    # --- national and unit runs ----------------------------------------------------------------------
    def _run(self, message: AnyMessage, *, issued_by: str | None) -> dict[str, Any]:
        """A run: validated once, then one sub-command per person, saved in chunks; the record comes last."""
        digest = hashlib.sha256(canonical_body(message)).hexdigest()
        command = self._find_command(Batch(), message.unit, message.serial)
        if command is not None:
            return self._replayed(command, digest)
        recorded_at = self._clock(message)
        batch = Batch()
        runs = self.runs(now=recorded_at)
        ctx = CommandContext(message.unit, message.serial, recorded_at, self.policy, self.runs_known(), False)
        try:
            persons = start_run(message, ctx, runs, self.directory)
        except MissingPolicyData as missing:
            raise DomainError(ErrorCode.MISSING_POLICY_DATA, str(missing)) from None
        if runs.pending_events:
            batch.others[RUNS_ID] = runs
            ctx.runs = self.runs_known(batch)
        summary: dict[str, Any] = {"persons": 0, "refused": {}}
        streams = [stream_id for stream_id, _ in persons]
        for index, stream_id in enumerate(streams):
            if index % RUN_CHUNK == 0:  # the next chunk's persons not in the cache, in one query
                batch.prefetched.update(self._read_persons(streams[index : index + RUN_CHUNK]))
            person = self._find_person(batch, stream_id)
            if person is None:
                continue
            mark = len(person.pending_events)
            person_ctx = CommandContext(message.unit, message.serial, recorded_at, self.policy, ctx.runs, False)
            try:
                amounts = run_for_person(message, person, person_ctx)
            except (DomainError, MissingPolicyData, ValueError) as error:
                self._rollback(batch, stream_id, person, mark)
                code = getattr(error, "rule", None) or getattr(error, "code", None) or type(error).__name__
                summary["refused"][str(code)] = summary["refused"].get(str(code), 0) + 1
                continue
            if person_ctx.written:
                batch.persons[stream_id] = person
                summary["persons"] += 1
                for name, amount in amounts.items():
                    summary[name] = summary.get(name, 0) + amount
            if len(batch.persons) >= RUN_CHUNK:
                self._save(batch)
                batch = Batch(prefetched=batch.prefetched)
        answer = {"status": "applied", "serial": message.serial, "events": [], "flags": [], "summary": summary}
        batch.commands[(message.unit, message.serial)] = CommandRow(
            message.unit, message.serial, digest, None, answer, issued_by, recorded_at
        )
        self._save(batch)
        if self.simulated:
            self._now = recorded_at
        return answer

    # --- reading ---------------------------------------------------------------------------------------
    def events_of(self, citizen_id: str) -> list[ev.PersonEvent]:
        """Every event of a person's stream as stored now, in order (reversed ones included)."""
        found = [event for event in self.events.get(person_id(citizen_id)) if isinstance(event, ev.PersonEvent)]
        if not found:
            raise UnknownPerson(citizen_id)
        return found
