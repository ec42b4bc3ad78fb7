"""Store-wide records: the command log's rows (idempotency), and two small aggregates, store settings and
national runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.domain import Aggregate

SETTINGS_ID = uuid5(NAMESPACE_URL, "urn:pooling:store-settings")
RUNS_ID = uuid5(NAMESPACE_URL, "urn:pooling:national-runs")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

CommandKey = tuple[str, str]  # (unit, serial): one command nationally (INTERCHANGE.md)


@dataclass(frozen=True)
class CommandRow:
    """A command that was applied: its canonical digest and first answer, so a resend is answered the same.

    Kept in the store's command log (domain/stores), written in the transaction that writes its events."""

    unit: str
    serial: str
    digest: str
    citizen_id: str | None
    answer: dict[str, Any]
    issued_by: str | None
    recorded_at: datetime

    @property
    def key(self) -> CommandKey:
        return (self.unit, self.serial)


class CommandRecord(Aggregate):
    """Legacy: how stores written before the command log kept a command (one aggregate per command, in the log).

    Never written now; kept so that such stores still decode, and so their records can be imported."""

    class Recorded(Aggregate.Created):
        unit: str
        serial: str
        digest: str
        citizen_id: str | None
        answer: dict[str, Any]
        issued_by: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.unit, aggregate.serial, aggregate.digest = self.unit, self.serial, self.digest
            aggregate.citizen_id, aggregate.answer, aggregate.issued_by = self.citizen_id, self.answer, self.issued_by

    def __init__(self) -> None:
        self.unit = self.serial = self.digest = ""
        self.citizen_id: str | None = None
        self.answer: dict[str, Any] = {}
        self.issued_by: str | None = None


LEGACY_RECORD_TOPIC = "domain.registry:CommandRecord.Recorded"


class StoreSettings(Aggregate):
    """Whether the store runs on the system clock or on the messages' `recorded_at` (simulated, for good)."""

    class Initialized(Aggregate.Created):
        simulated: bool

        def apply(self, aggregate: Any) -> None:
            aggregate.simulated = self.simulated

    def __init__(self) -> None:
        self.simulated = False

    @classmethod
    def initialize(cls, simulated: bool) -> StoreSettings:
        # Dated at the epoch so that a simulated store's clock starts at its first message, not at today.
        return cls._create(cls.Initialized, id=SETTINGS_ID, simulated=simulated, timestamp=EPOCH)


class NationalRuns(Aggregate):
    """The interest and adjustment runs recorded so far: a year's crediting rate is available once its run is."""

    class Started(Aggregate.Created):
        pass

    class InterestRunRecorded(Aggregate.Event):
        year: int
        rate: str
        serial: str

        def apply(self, aggregate: Any) -> None:
            aggregate.interest[self.year] = (self.rate, self.serial)

    class AdjustmentRunRecorded(Aggregate.Event):
        year: int
        rate: str
        serial: str

        def apply(self, aggregate: Any) -> None:
            aggregate.adjustment[self.year] = (self.rate, self.serial)

    def __init__(self) -> None:
        self.interest: dict[int, tuple[str, str]] = {}
        self.adjustment: dict[int, tuple[str, str]] = {}

    @classmethod
    def start(cls, timestamp: datetime) -> NationalRuns:
        return cls._create(cls.Started, id=RUNS_ID, timestamp=timestamp)

    def record_interest(self, year: int, rate: str, serial: str, timestamp: datetime) -> None:
        self.trigger_event(self.InterestRunRecorded, year=year, rate=rate, serial=serial, timestamp=timestamp)

    def record_adjustment(self, year: int, rate: str, serial: str, timestamp: datetime) -> None:
        self.trigger_event(self.AdjustmentRunRecorded, year=year, rate=rate, serial=serial, timestamp=timestamp)
