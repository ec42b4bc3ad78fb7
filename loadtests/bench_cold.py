"""Benchmark of work on persons nobody has read yet, on PostgreSQL: a batch, a run and stored dossier reads.

    .venv/bin/python -m loadtests.bench_cold --persons 1000

Enrolls `--persons` persons with one contribution each in a fresh database, then times, each in a new application
with nothing cached (as after a restart, or for a province file of persons this process never saw):
- one `submit_batch` of a contribution per person; baseline: the same batch size again, its persons now cached;
- an interest run over them; baseline: the next year's run, its persons now cached;
- `stored_dossier` for each (the current dossier from the view); baseline: the stream-head query alone.
The batch and the run read their persons that are not cached in one query per batch or run chunk."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from domain.application import PoolingApplication
from domain.person import person_id
from loadtests.benchkit import fresh_database, line
from projections.queries import Projections

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the message builders live there
from app_helpers import citizen_id, contribute, enroll, interest_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1000)
    parser.add_argument("--db", default="bench_cold")
    args = parser.parse_args()
    env = {**fresh_database(args.db), "POOLING_SIMULATED": "1"}
    people = [
        citizen_id(f"19{60 + n % 30}-{1 + n % 12:02d}-{1 + n % 28:02d}", sequence=f"{n % 997:03d}")
        for n in range(args.persons)
    ]
    people = list(dict.fromkeys(people))
    app = PoolingApplication(env=env)
    app.submit_batch([enroll(person, "32", "2021-01-04") for person in people])
    app.submit_batch([contribute(person, "32", "2021-02", 600000) for person in people])
    Projections(app).catch_up()
    app.close()
    print(f"bench_cold: {len(people):,} persons, PostgreSQL {args.db}")

    app = PoolingApplication(env=env)  # nothing cached
    started = time.perf_counter()
    app.submit_batch([contribute(person, "32", "2021-03", 600000) for person in people])
    cold = time.perf_counter() - started
    started = time.perf_counter()
    app.submit_batch([contribute(person, "32", "2021-04", 600000) for person in people])
    warm = time.perf_counter() - started
    app.close()
    line("batch of contributions, not cached", len(people) / cold, "messages/s", len(people) / warm)
    line("the same, persons cached (baseline)", len(people) / warm, "messages/s")

    app = PoolingApplication(env=env)
    started = time.perf_counter()
    app.submit(interest_run(2021, on="2022-01-10"))
    cold = time.perf_counter() - started
    started = time.perf_counter()
    app.submit(interest_run(2022, on="2023-01-10"))
    warm = time.perf_counter() - started
    app.close()
    line("interest run, persons not cached", len(people) / cold, "persons/s", len(people) / warm)
    line("next year's run, cached (baseline)", len(people) / warm, "persons/s")

    app = PoolingApplication(env=env)
    projections = Projections(app)
    projections.catch_up()
    started = time.perf_counter()
    for person in people:
        projections.heads(person_id(person))
    heads = time.perf_counter() - started
    started = time.perf_counter()
    for person in people:
        assert projections.stored_dossier(person) is not None
    stored = time.perf_counter() - started
    app.close()
    line("stored dossier reads, in-process", len(people) / stored, "reads/s", len(people) / heads)
    line("stream-head query alone (baseline)", len(people) / heads, "queries/s")


if __name__ == "__main__":
    main()
