"""How event rows are stored compactly: the state compressed with a fixed dictionary, and short topic aliases.

The bytes a row holds are an encoding of what the transcoder writes (orjson, domain/transcoding.py); decoding gives
back exactly those JSON bytes, so the hash chain (defined over the event's fields, domain/hashing.py) and everything
read through the application are unchanged. Every encoding ever written stays readable; the first byte says which:

    `{`                       plain JSON (rows written before any compression)
    0xE0, v, deflate          raw deflate with preset dictionary v (DEFLATE_DICTIONARIES), written until 2026-11
    0xE1, v, hash, deflate    the same, with the event's `hash` taken out as 32 raw bytes
    0xE2, v, zstd             a zstd frame made with dictionary v (ZSTD_DICTIONARIES): what new rows hold
    0xE3, v, hash, zstd       the same, with the hash taken out

The hash is taken out when the JSON holds a 64-hex-digit `hash` that can be put back exactly (every event; not the
store's own records): hex digits cost a compressor about 7 bits each, the raw bytes 8 bits per 2 digits, ~24 bytes
a row. zstd replaced deflate because it writes a row ~3.5x faster (2.8 against 10.2 µs, the hash split included)
and reads it a little faster (1.4 against 1.8 µs), for -1 to +7 bytes a row on two samples (`python -m
loadtests.bench_storage` prints the comparison on its sample). Its frames
carry no checksum or dictionary id (the version byte names the dictionary), and no content size unless the state
is longer than SMALL_STATE. The dictionaries are data shipped with the code, built by `python -m
domain.stores.dictionary` from a synthetic population and pinned by their SHA-256 here; a new dictionary gets a
new version, and every version ever written stays here.

Topics: the library stores each row's class topic (`domain.events:ContributionPaid`, ~30 bytes); new rows store a
two-letter alias (`TOPIC_ALIASES`, registered with the library so `resolve_topic` finds the class by it). The table
is append-only: an alias once written is never changed or reused. `full_topic` maps an alias back."""

from __future__ import annotations

import hashlib
import threading
import zlib
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

import zstandard
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Cipher, Compressor, Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, register_topic, resolve_topic

from domain import events as ev
from domain.registry import NationalRuns, StoreSettings

PLAIN = 0x7B  # `{`: a row written before any compression (plain JSON)
DEFLATED = 0xE0  # deflate with a preset dictionary (rows written until 2026-11)
DEFLATED_HASH = 0xE1  # the same, with the hash taken out as 32 raw bytes
ZSTD = 0xE2  # a zstd frame made with a trained dictionary
ZSTD_HASH = 0xE3  # the same, with the hash taken out as 32 raw bytes
# version -> (file next to this module, its SHA-256): every version ever written must stay here.
DEFLATE_DICTIONARIES: dict[int, tuple[str, str]] = {
    1: ("state_dictionary_v1.bin", "9de769b199a677e3b8af1a9b78d88017de3839b5ac8c9651888868c5c947563d"),
}
ZSTD_DICTIONARIES: dict[int, tuple[str, str]] = {
    1: ("state_dictionary_zstd_v1.bin", "d13247d01d1573fc95a16038b1dac1ddc22f3a892bb9c1a5912f51e8715f1b21"),
}
CURRENT_DICTIONARY = 1  # the zstd dictionary new rows are written with
# Measured on the demo population's rows: level 3 ~1.1 µs and 94.7 B a row; 12 saves 3.6 B for 5x the CPU.
ZSTD_LEVEL = 3
# Frames of states up to SMALL_STATE bytes (all events: the demo's largest is ~1 KB) carry no content size, and
# decode into a buffer of that size: a larger buffer is mapped and unmapped by malloc on every row (~10x the whole
# decode's cost, measured). Larger states carry their size in the frame (zstd then sizes the buffer itself).
SMALL_STATE = 16 * 1024
MAX_STATE = 1 << 20  # the largest state a frame without its content size may decode to

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


def _pinned(table: dict[int, tuple[str, str]], version: int) -> bytes:
    if version not in table:
        raise DictionaryError(f"unknown state dictionary version {version}")
    name, digest = table[version]
    data = (Path(__file__).parent / name).read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise DictionaryError(f"{name} is not the dictionary version {version} was written with")
    return data


@cache
def dictionary(version: int) -> bytes:
    """The deflate preset dictionary of a version (rows written until 2026-11), checked against its SHA-256."""
    return _pinned(DEFLATE_DICTIONARIES, version)


@cache
def zstd_dictionary(version: int) -> zstandard.ZstdCompressionDict:
    """The zstd dictionary of a version, checked against its pinned SHA-256 and prepared for the level written."""
    prepared = zstandard.ZstdCompressionDict(_pinned(ZSTD_DICTIONARIES, version))
    prepared.precompute_compress(level=ZSTD_LEVEL)
    return prepared


class _Codecs(threading.local):
    """zstd (de)compressor objects, one set per thread: the library's objects must not be shared between threads."""

    def __init__(self) -> None:
        self.compressors: dict[tuple[int, bool], zstandard.ZstdCompressor] = {}
        self.decompressors: dict[int, zstandard.ZstdDecompressor] = {}

    def compressor(self, version: int, sized: bool) -> zstandard.ZstdCompressor:
        found = self.compressors.get((version, sized))
        if found is None:
            found = self.compressors[version, sized] = zstandard.ZstdCompressor(
                level=ZSTD_LEVEL,
                dict_data=zstd_dictionary(version),
                write_checksum=False,
                write_content_size=sized,
                write_dict_id=False,
            )
        return found

    def decompressor(self, version: int) -> zstandard.ZstdDecompressor:
        found = self.decompressors.get(version)
        if found is None:
            found = self.decompressors[version] = zstandard.ZstdDecompressor(dict_data=zstd_dictionary(version))
        return found


_CODECS = _Codecs()


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
    """The library's compressor hook: zstd with the pinned dictionary; reads every encoding ever written."""

    def __init__(self, version: int = CURRENT_DICTIONARY) -> None:
        self.version = version
        self._header = bytes((ZSTD, version))
        self._header_hash = bytes((ZSTD_HASH, version))

    def compress(self, data: bytes) -> bytes:
        if _writing_plain:
            return data
        packer = _CODECS.compressor(self.version, len(data) > SMALL_STATE)
        split = _split_hash(data)
        if split is None:
            return self._header + packer.compress(data)
        digest, rest = split
        return self._header_hash + digest + packer.compress(rest)

    def decompress(self, data: bytes) -> bytes:
        return decode_state(data)


@cache
def _primed_deflate() -> zlib._Compress:
    return zlib.compressobj(6, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, dictionary(1))


def deflate_v1(data: bytes) -> bytes:
    """A state as rows were written until 2026-11 (raw deflate, preset dictionary 1): for tests and benchmarks.
    As the writer did, it copies a compressor primed with the dictionary (priming one costs ~3x the copy)."""
    packer: zlib._Compress = _primed_deflate().copy()
    split = _split_hash(data)
    if split is None:
        return bytes((DEFLATED, 1)) + packer.compress(data) + packer.flush()
    digest, rest = split
    return bytes((DEFLATED_HASH, 1)) + digest + packer.compress(rest) + packer.flush()


def _unzstd(version: int, frame: bytes) -> bytes:
    unpacker = _CODECS.decompressor(version)
    try:
        return unpacker.decompress(frame, max_output_size=SMALL_STATE)  # a sized frame ignores the bound
    except zstandard.ZstdError:
        pass
    try:  # a frame without its size whose state is larger than SMALL_STATE (or a damaged one)
        return unpacker.decompress(frame, max_output_size=MAX_STATE)
    except zstandard.ZstdError as error:
        raise ValueError(f"truncated compressed state ({error})") from error


def _inflate(version: int, stream: bytes) -> bytes:
    unpacker = zlib.decompressobj(-15, dictionary(version))
    plain = unpacker.decompress(stream) + unpacker.flush()
    if not unpacker.eof:
        raise ValueError("truncated compressed state")
    return plain


def _with_hash(rest: bytes, digest: bytes) -> bytes:
    return rest.replace(_EMPTY_HASH, _HASH_KEY + digest.hex().encode() + b'"', 1)


def decode_state(data: bytes) -> bytes:
    """The transcoder's JSON bytes of a stored state, in any encoding ever written."""
    kind = data[0] if data else PLAIN
    if kind == PLAIN:
        return data
    if kind == ZSTD_HASH:
        return _with_hash(_unzstd(data[1], data[34:]), data[2:34])
    if kind == ZSTD:
        return _unzstd(data[1], data[2:])
    if kind == DEFLATED_HASH:
        return _with_hash(_inflate(data[1], data[34:]), data[2:34])
    if kind == DEFLATED:
        return _inflate(data[1], data[2:])
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
    "deflate_v1",
    "dictionary",
    "encode_state",
    "full_topic",
    "stored_topics",
    "zstd_dictionary",
]
