"""How event rows are stored compactly: the state deflated with a fixed preset dictionary, and short topic aliases.

The bytes a row holds are an encoding of what the transcoder writes (orjson, domain/transcoding.py); decoding gives
back exactly those JSON bytes, so the hash chain (defined over the event's fields, domain/hashing.py) and everything
read through the application are unchanged. Rows written before this encoding stay readable: their state is plain
JSON (it starts with `{`) and their topic the class's full topic.

A compressed state is

    0xE1, dictionary version (1 byte), the event's `hash` as 32 raw bytes, raw deflate of the JSON with `"hash":""`

or `0xE0, dictionary version, raw deflate of the JSON` when the JSON has no 64-hex-digit `hash` that can be taken
out exactly (the store's own records). Hex digits cost deflate about 7 bits each, the raw bytes 8 bits per 2 digits:
taking the hash out saves ~24 bytes a row. The dictionary (`state_dictionary_v1.bin`, 32 KB) is data shipped
with the code, built by `python -m domain.stores.dictionary` from a synthetic population and pinned by its SHA-256
here; a new dictionary gets a new version byte, and every version ever written stays readable.

Topics: the library stores each row's class topic (`domain.events:ContributionPaid`, ~30 bytes); new rows store a
two-letter alias (`TOPIC_ALIASES`, registered with the library so `resolve_topic` finds the class by it). The table
is append-only: an alias once written is never changed or reused. `full_topic` maps an alias back."""

from __future__ import annotations

import hashlib
import zlib
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Cipher, Compressor, Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, register_topic, resolve_topic

from domain import events as ev
from domain.registry import NationalRuns, StoreSettings

PLAIN = 0x7B  # `{`: a row written before this encoding (plain JSON)
DEFLATED = 0xE0  # deflate with a preset dictionary
DEFLATED_HASH = 0xE1  # the same, with the hash taken out as 32 raw bytes
CURRENT_DICTIONARY = 1
# version -> (file next to this module, its SHA-256): every version ever written must stay here.
DICTIONARIES: dict[int, tuple[str, str]] = {
    1: ("state_dictionary_v1.bin", "9de769b199a677e3b8af1a9b78d88017de3839b5ac8c9651888868c5c947563d"),
}
LEVEL, MEMORY_LEVEL = 6, 8  # measured: level 9 saves ~3 B a row for twice the CPU

_HASH_KEY = b'"hash":"'
_EMPTY_HASH = b'"hash":""'
_HEX = frozenset(b"0123456789abcdef")

# The alias of each event class's topic. Append only: never change or reuse an alias once rows carry it.
TOPIC_ALIASES: dict[str, str] = {
    get_topic(cls): alias
    for alias, cls in (
        ("PR", ev.PersonRegistered),
        ("EN", ev.Enrolled),
        ("EC", ev.EmployerChanged),
        ("CS", ev.ContributionSuspended),
        ("CP", ev.ContributionPaid),
        ("BP", ev.BackPaymentPaid),
        ("TQ", ev.TransferRequested),
        ("TS", ev.TransferSent),
        ("TR", ev.TransferReceived),
        ("TC", ev.TempAccountConsolidated),
        ("IC", ev.InterestCredited),
        ("BD", ev.BenefitDetermined),
        ("PP", ev.PensionPaid),
        ("BA", ev.BenefitAdjusted),
        ("QC", ev.QualificationCertified),
        ("DR", ev.DeathRecorded),
        ("OI", ev.OverpaymentIdentified),
        ("SB", ev.SurvivorBenefitPaid),
        ("AI", ev.AccountInherited),
        ("OR", ev.OverpaymentRecovered),
        ("OB", ev.OpeningBalanceRecorded),
        ("RV", ev.Reversed),
        ("SI", StoreSettings.Initialized),
        ("NS", NationalRuns.Started),
        ("NI", NationalRuns.InterestRunRecorded),
        ("NA", NationalRuns.AdjustmentRunRecorded),
    )
}
FULL_TOPICS: dict[str, str] = {alias: topic for topic, alias in TOPIC_ALIASES.items()}
for _alias, _topic in FULL_TOPICS.items():
    register_topic(_alias, resolve_topic(_topic))


def full_topic(topic: str) -> str:
    """The class topic a stored topic names (an alias, or already a full topic)."""
    return FULL_TOPICS.get(topic, topic)


def stored_topics(*classes: type) -> list[str]:
    """Every topic rows of these classes may be stored under: the full topic, and the alias if there is one."""
    found = []
    for cls in classes:
        topic = get_topic(cls)
        found.append(topic)
        if topic in TOPIC_ALIASES:
            found.append(TOPIC_ALIASES[topic])
    return found


class DictionaryError(ValueError):
    """A shipped dictionary is missing or not the one pinned."""


@cache
def dictionary(version: int) -> bytes:
    """The preset dictionary of a version, checked against its pinned SHA-256."""
    if version not in DICTIONARIES:
        raise DictionaryError(f"unknown state dictionary version {version}")
    name, digest = DICTIONARIES[version]
    data = (Path(__file__).parent / name).read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise DictionaryError(f"{name} is not the dictionary version {version} was written with")
    return data


_writing_plain = False  # only for building a dictionary (domain/stores/dictionary.py): rows stay plain JSON


def set_writing_plain(plain: bool) -> None:
    global _writing_plain
    _writing_plain = plain


def _split_hash(data: bytes) -> tuple[bytes, bytes] | None:
    """(the 32 hash bytes, the JSON with `"hash":""`) if the first `"hash":"` holds 64 lowercase hex digits and
    putting them back gives `data` exactly; else None."""
    at = data.find(_HASH_KEY)
    if at < 0 or _EMPTY_HASH in data:
        return None
    start = at + len(_HASH_KEY)
    digits = data[start : start + 64]
    if len(digits) != 64 or data[start + 64 : start + 65] != b'"' or not _HEX.issuperset(digits):
        return None
    return bytes.fromhex(digits.decode()), data[:start] + data[start + 64 :]


class StateCompressor(Compressor):
    """The library's compressor hook: deflate with the preset dictionary; reads plain JSON rows as they are."""

    def __init__(self, version: int = CURRENT_DICTIONARY) -> None:
        self.version = version
        self._header = bytes((DEFLATED, version))
        self._header_hash = bytes((DEFLATED_HASH, version))
        self._primed: Any = None  # made on first use: priming with 32 KB costs more than copying a primed one

    def compress(self, data: bytes) -> bytes:
        if _writing_plain:
            return data
        if self._primed is None:
            self._primed = zlib.compressobj(
                LEVEL, zlib.DEFLATED, -15, MEMORY_LEVEL, zlib.Z_DEFAULT_STRATEGY, dictionary(self.version)
            )
        split = _split_hash(data)
        packer: Any = self._primed.copy()
        body: bytes
        if split is None:
            body = packer.compress(data) + packer.flush()
            return self._header + body
        digest, rest = split
        body = packer.compress(rest) + packer.flush()
        return self._header_hash + digest + body

    def decompress(self, data: bytes) -> bytes:
        return decode_state(data)


def decode_state(data: bytes) -> bytes:
    """The transcoder's JSON bytes of a stored state, in any encoding ever written."""
    kind = data[0] if data else PLAIN
    if kind == PLAIN:
        return data
    if kind == DEFLATED_HASH:
        unpacker = zlib.decompressobj(-15, dictionary(data[1]))
        rest = unpacker.decompress(data[34:]) + unpacker.flush()
        if not unpacker.eof:
            raise ValueError("truncated compressed state")
        return rest.replace(_EMPTY_HASH, _HASH_KEY + data[2:34].hex().encode() + b'"', 1)
    if kind == DEFLATED:
        unpacker = zlib.decompressobj(-15, dictionary(data[1]))
        plain = unpacker.decompress(data[2:]) + unpacker.flush()
        if not unpacker.eof:
            raise ValueError("truncated compressed state")
        return plain
    raise ValueError(f"unknown state encoding 0x{kind:02x}")


class PoolingMapper(Mapper[UUID]):
    """The library's mapper, writing the topic aliases (reading resolves aliases and full topics alike)."""

    def __init__(
        self, transcoder: Transcoder, compressor: Compressor | None = None, cipher: Cipher | None = None
    ) -> None:
        super().__init__(transcoder, compressor=compressor, cipher=cipher)

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        alias = TOPIC_ALIASES.get(stored.topic)
        if alias is None:
            return stored
        return StoredEvent(stored.originator_id, stored.originator_version, alias, stored.state)


_COMPRESSOR = StateCompressor()


def encode_state(document: Any, transcoder: Transcoder) -> bytes:
    """A state as a new row stores it (for tools that write rows themselves)."""
    return _COMPRESSOR.compress(transcoder.encode(document))


__all__ = [
    "CURRENT_DICTIONARY",
    "FULL_TOPICS",
    "TOPIC_ALIASES",
    "PoolingMapper",
    "StateCompressor",
    "decode_state",
    "dictionary",
    "encode_state",
    "full_topic",
    "stored_topics",
]
