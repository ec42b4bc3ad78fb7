"""Builds the dictionaries for compressed event states (domain/stores/encoding.py), reproducibly.

    .venv/bin/python -m domain.stores.dictionary            # write the current zstd dictionary
    .venv/bin/python -m domain.stores.dictionary --check    # exit 1 unless the shipped files are what this builds

New rows are zstd frames: their dictionary is zstd's own training (`zstandard.train_dictionary`, deterministic for
the same samples and library version) on the samples below. Rows written until 2026-11 are deflate streams, and
`build` still makes their preset dictionary, so that its file stays reproducible:

The samples are the JSON states the command path writes for a synthetic population (loadtests/population, a seed
the benchmarks do not use), with each `hash` taken out as the compressor takes it out. Deflate finds matches up to
32 KB back and codes near ones shorter, so the dictionary is samples of every event type, each type's share of the
32 KB in proportion to how often it occurs (at least two samples), the most frequent types last. The same code and
population give the same bytes; a changed dictionary must get a new version (the old one stays for old rows)."""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import defaultdict
from pathlib import Path

import zstandard

from domain.stores import encoding

SIZE = 32 * 1024
PERSONS, SEED, FIRST_YEAR, LAST_YEAR = 150, 20240601, 2016, 2025


def samples() -> list[tuple[str, bytes]]:
    """(topic, JSON state as compressed) of every event the command path writes for the population, in log order."""
    from loadtests.seeding.shard import run_shard  # the synthetic population lives with the load tests

    encoding.set_writing_plain(True)
    try:
        rows = [
            (encoding.full_topic(row.topic), bytes(row.state))
            for output in run_shard(
                PERSONS, seed=SEED, first_year=FIRST_YEAR, last_year=LAST_YEAR, shard=0, shards=1, stream_order=False
            )
            for row in output.rows
        ]
    finally:
        encoding.set_writing_plain(False)
    found = []
    for topic, state in rows:
        split = encoding._split_hash(state)
        found.append((topic, split[1] if split else state))
    return found


def build(rows: list[tuple[str, bytes]], size: int = SIZE) -> bytes:
    by_topic: dict[str, list[bytes]] = defaultdict(list)
    for topic, state in rows:
        by_topic[topic].append(state)
    total = len(rows)
    parts = []
    for topic in sorted(by_topic, key=lambda t: (len(by_topic[t]), t)):  # rarest first, most frequent last
        states = by_topic[topic]
        share = max(2 * len(states[0]), size * len(states) // total)
        step = max(1, len(states) * len(states[0]) // (share + 1))  # spread over the whole period
        picked = bytearray()
        for state in states[::step]:
            if len(picked) >= share:
                break
            picked += state
        parts.append(bytes(picked))
    return b"".join(parts)[-size:]


def build_zstd(rows: list[tuple[str, bytes]], size: int = SIZE) -> bytes:
    """zstd's trained dictionary for the samples' states, at the level rows are written with."""
    trained = zstandard.train_dictionary(size, [state for _, state in rows], level=encoding.ZSTD_LEVEL, threads=0)
    return bytes(trained.as_bytes())


def path(version: int = encoding.CURRENT_DICTIONARY) -> Path:
    """Where the zstd dictionary of a version is shipped."""
    return Path(encoding.__file__).parent / encoding.ZSTD_DICTIONARIES[version][0]


def deflate_path(version: int = 1) -> Path:
    """Where the deflate dictionary of a version (rows written until 2026-11) is shipped."""
    return Path(encoding.__file__).parent / encoding.DEFLATE_DICTIONARIES[version][0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the shipped files instead of writing")
    args = parser.parse_args()
    rows = samples()
    if args.check:
        status = 0
        for target, built in ((path(), build_zstd(rows)), (deflate_path(), build(rows))):
            same = target.exists() and target.read_bytes() == built
            digest = hashlib.sha256(built).hexdigest()
            print(f"{target.name}: {'identical' if same else 'DIFFERENT'} (built {len(built)} B, sha256 {digest})")
            status |= 0 if same else 1
        return status
    built = build_zstd(rows)
    digest = hashlib.sha256(built).hexdigest()
    target = path()
    target.write_bytes(built)
    print(f"wrote {target} ({len(built)} B, sha256 {digest}); pin this digest in encoding.ZSTD_DICTIONARIES")
    return 0


if __name__ == "__main__":
    sys.exit(main())
