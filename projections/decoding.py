"""Stored rows to domain events, exactly as the library's mapper decodes them, at a fraction of its cost.

Topics are resolved by the library (which knows the stored aliases, domain/stores/encoding.py) once per topic, stream
ids converted once per stream, and states decompressed with the mapper's own compressor, so the result is what
`mapper.to_domain_event` gives (tests/test_projection_runner.py checks it). Rows whose class nobody wants are not
decoded at all. The projection runner decodes its batches with it, the audit's rebuild its rows."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import MapperDeserialisationError, StoredEvent, find_id_convertor
from eventsourcing.utils import resolve_topic

ID_CACHE_SIZE = 200_000  # stream ids converted and kept (a national replay meets each stream once per batch)


class EventDecoder:
    """Decodes the rows of the event classes in `wanted` (None: every row) for one application."""

    def __init__(self, app: Any, wanted: tuple[type, ...] | None = None) -> None:
        self.app = app
        self._ids: dict[Any, Any] = {}  # stored originator id -> the id events carry
        self._classes: dict[str, type | None] = {}  # topic -> event class, None when not wanted
        self._wanted = wanted

    def want(self, wanted: tuple[type, ...] | None) -> None:
        """Decode the rows of these classes (and their subclasses) from now on; None: every row."""
        if wanted != self._wanted:
            self._wanted, self._classes = wanted, {}

    def rows(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[int, Any]]:
        """The wanted events of (position, stream, version, topic, state) rows, with their positions."""
        mapper = self.app.mapper
        if mapper.cipher is not None:
            return [
                (int(at), mapper.to_domain_event(StoredEvent(self.stream_id(stream), version, topic, bytes(state))))
                for at, stream, version, topic, state in rows
                if self.event_class(topic) is not None
            ]
        decode = mapper.transcoder.decode
        # The store's compressor (domain/stores/encoding.py) gives back the transcoder's bytes; it reads plain rows too.
        decompress = mapper.compressor.decompress if mapper.compressor is not None else bytes
        classes, ids = self._classes, self._ids
        decoded: list[tuple[int, Any]] = []
        for at, stream, version, topic, state in rows:
            cls = classes[topic] if topic in classes else self.event_class(topic)
            if cls is None:
                continue
            originator_id = ids.get(stream)
            if originator_id is None:
                originator_id = self.stream_id(stream)
            try:
                event_state = decode(decompress(state if isinstance(state, bytes) else bytes(state)))
            except Exception as error:  # as the library's mapper reports it
                raise MapperDeserialisationError(
                    f"Failed to deserialise state of stored event with topic '{topic}', "
                    f"originator_id '{originator_id}' and originator_version {version}: {error}"
                ) from error
            event_state["originator_id"] = find_id_convertor(cls, cast(Hashable, type(originator_id)))(originator_id)
            event_state["originator_version"] = version
            class_version = getattr(cls, "class_version", 1)
            from_version = event_state.pop("class_version", 1)
            while from_version < class_version:
                getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(event_state)
                from_version += 1
            event: Any = object.__new__(cls)
            object.__setattr__(event, "__dict__", event_state)
            decoded.append((int(at), event))
        return decoded

    def one(self, stream: Any, version: int, topic: str, state: bytes) -> Any | None:
        """One row's event (None when its class is not wanted); MapperDeserialisationError when it cannot be."""
        found = self.rows([(0, stream, version, topic, state)])
        return found[0][1] if found else None

    def event_class(self, topic: str) -> type | None:
        """The event class of a topic if it is wanted, else None (the row is then not decoded at all)."""
        if topic not in self._classes:
            cls = resolve_topic(topic)
            wanted = self._wanted is None or (isinstance(cls, type) and issubclass(cls, self._wanted))
            self._classes[topic] = cls if wanted else None
        return self._classes[topic]

    def stream_id(self, stored: Any) -> Any:
        """The stream id as events carry it (SQLite stores 32 hex digits; PostgreSQL returns a UUID)."""
        found = self._ids.get(stored)
        if found is None:
            convert = getattr(self.app.recorder, "convert_originator_id", None)
            found = convert(stored) if convert is not None and not isinstance(stored, UUID) else stored
            if len(self._ids) >= ID_CACHE_SIZE:
                self._ids.clear()
            self._ids[stored] = found
        return found
