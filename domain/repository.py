"""The library's repository, folding a stream without the per-event protocol check its default projector makes, and
its aggregate cache bounded by the events its persons have folded as well as by their number."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.application import Cache, Repository


def project_events(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's `project_aggregate` without its `assert isinstance(event, CanMutateProtocol)`.

    That assert checks every event against a runtime-checkable Protocol, which walks the protocol's attributes each
    time (~19 µs an event here): folding decoded events took 42-46 µs an event with it and 9-11 µs without, and
    loading a person of ~260 events 19-21 ms with it and 12-13 ms without (session 7). Every event here is a
    library `DomainEvent` subclass, whose `mutate` is what the check looks for."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class PoolingRepository(Repository[UUID]):
    """`Repository` whose `get` folds with `project_events` unless told otherwise."""

    def get(
        self,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        projector_func: Any = project_events,
        fastforward_skipping: bool = False,
        deepcopy_from_cache: bool = True,
    ) -> Any:
        return super().get(
            aggregate_id,
            version=version,
            projector_func=projector_func,
            fastforward_skipping=fastforward_skipping,
            deepcopy_from_cache=deepcopy_from_cache,
        )


class EventBoundedCache(Cache[UUID, Any]):
    """Least recently used aggregates, at most `maxsize` of them and at most `max_events` folded events in all.

    A person folded with a 20-year stream holds ~0.5 MB (~2 KB an event, loadtests/SCALING.md): counted in persons
    alone, the default 20,000 could reach ~10 GB. An aggregate weighs its version when put (the application puts
    it again after every save). Thread-safe, like the library's `LRUCache` it replaces."""

    def __init__(self, maxsize: int, max_events: int) -> None:
        super().__init__()
        self.maxsize, self.max_events = maxsize, max_events
        self._kept: OrderedDict[UUID, tuple[Any, int]] = OrderedDict()
        self._events = 0
        self._lock = threading.Lock()

    @property
    def events(self) -> int:
        """The folded events the kept aggregates hold."""
        return self._events

    def aggregates(self) -> list[Any]:
        """The kept aggregates, least recently used first."""
        with self._lock:
            return [value for value, _ in self._kept.values()]

    def get(self, key: UUID, *, evict: bool = False) -> Any:
        with self._lock:
            if evict:
                value, weight = self._kept.pop(key)
                self._events -= weight
                return value
            value, _ = self._kept[key]
            self._kept.move_to_end(key)
            return value

    def put(self, key: UUID, value: Any | None) -> Any | None:
        if value is None:
            return None
        weight = int(getattr(value, "version", 1))
        evicted = None
        with self._lock:
            previous = self._kept.pop(key, None)
            if previous is not None:
                self._events -= previous[1]
            self._kept[key] = (value, weight)
            self._events += weight
            while len(self._kept) > 1 and (len(self._kept) > self.maxsize or self._events > self.max_events):
                evicted_key, (evicted_value, evicted_weight) = self._kept.popitem(last=False)
                self._events -= evicted_weight
                evicted = (evicted_key, evicted_value)
        return evicted
