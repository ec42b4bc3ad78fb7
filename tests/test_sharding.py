"""A population sharded across databases by stream id (SCALING.md): each database holds the persons of its part
with their views, and the national answers are the sums of the parts' answers, equal to one database's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from stored_rows import commands as command_rows
from stored_rows import streams
from typer.testing import CliRunner

from api.cli import app as cli
from domain.application import PoolingApplication
from domain.registry import RUNS_ID, SETTINGS_ID
from loadtests.seeding import SeedSpec, seed
from loadtests.seeding.runs import merge_summaries
from projections.merge import merge_ledgers
from projections.queries import Projections
from standards.calendar import Month

POPULATION: dict[str, Any] = {"persons": 40, "seed": 11, "first_year": 2021, "last_year": 2025}


def _store(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(path)}


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sharded")
    paths = {"whole": folder / "whole.sqlite", "part0": folder / "part0.sqlite", "part1": folder / "part1.sqlite"}
    seed(_store(paths["whole"]), SeedSpec(**POPULATION, shards=2), workers=0)
    for part in (0, 1):
        seed(_store(paths[f"part{part}"]), SeedSpec(**POPULATION, shards=4, part=part, parts=2), workers=0)
    return paths


def _open(path: Path) -> PoolingApplication:
    return PoolingApplication(env={**_store(path), "POOLING_SIMULATED": "1"})


def test_the_parts_hold_the_persons_of_one_database_between_them(stores: dict[str, Path]) -> None:
    apps = {name: _open(path) for name, path in stores.items()}
    try:
        whole, parts = streams(apps["whole"]), [streams(apps["part0"]), streams(apps["part1"])]
        store_wide = {RUNS_ID, SETTINGS_ID}
        persons = [{key: rows for key, rows in part.items() if key not in store_wide} for part in parts]
        assert persons[0] and persons[1] and not set(persons[0]) & set(persons[1])
        assert {**persons[0], **persons[1]} == {key: rows for key, rows in whole.items() if key not in store_wide}
        for key in (RUNS_ID, SETTINGS_ID):  # the store-wide streams: in every part, as in one database
            assert parts[0][key] == parts[1][key] == whole[key]
        # every person's command rows are in its own part; each run's answer is the sum of the parts' answers
        commands = {
            name: {(row["unit"], row["serial"]): row for row in command_rows(app)} for name, app in apps.items()
        }
        runs = {key for key, row in commands["whole"].items() if row["citizen_id"] is None}
        assert runs
        for key, row in commands["whole"].items():
            if key in runs:
                answers = [orjson.loads(commands[part][key]["answer"]) for part in ("part0", "part1")]
                merged = merge_summaries(answer["summary"] for answer in answers)
                assert merged == orjson.loads(row["answer"])["summary"], key
            else:
                assert (key in commands["part0"]) != (key in commands["part1"]), key
        # every person's dossier is its part's
        for part in ("part0", "part1"):
            projections, everyone = Projections(apps[part]), Projections(apps["whole"])
            for _, citizen in apps[part].directory.everyone():
                assert projections.dossier(citizen) == everyone.dossier(citizen), citizen
    finally:
        for app in apps.values():
            app.close()


def test_the_national_ledger_is_the_sum_of_the_parts(stores: dict[str, Path]) -> None:
    apps = {name: _open(path) for name, path in stores.items()}
    try:
        projections = {name: Projections(app) for name, app in apps.items()}
        for unit in (None, "44", "11", "32"):
            for month in (None, Month(2023, 6)):
                whole = projections["whole"].ledger(unit, month)
                merged = merge_ledgers(
                    [projections["part0"].ledger(unit, month), projections["part1"].ledger(unit, month)]
                )
                assert merged == whole, (unit, month)
        assert projections["whole"].ledger(None)["debits_fen"] > 0
    finally:
        for app in apps.values():
            app.close()


def test_pooling_ledger_across_the_parts_answers_as_one_database(
    stores: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    monkeypatch.setenv("POOLING_DB", str(stores["whole"]))
    one = CliRunner().invoke(cli, ["ledger", "--json"])
    assert one.exit_code == 0, one.output
    across = CliRunner().invoke(
        cli, ["ledger", "--json", "--across", str(stores["part0"]), "--across", str(stores["part1"])]
    )
    assert across.exit_code == 0, across.output
    assert orjson.loads(across.output) == orjson.loads(one.output)
    assert orjson.loads(one.output)["credits_fen"] > 0


def test_a_part_must_be_one_of_the_parts(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="do not split"):
        SeedSpec(**POPULATION, shards=3, parts=2)
    with pytest.raises(ValueError, match="one of"):
        SeedSpec(**POPULATION, shards=4, part=2, parts=2)
    result = CliRunner().invoke(
        cli, ["seed", "--persons", "10", "--parts", "2", "--part", "2", "--db", str(tmp_path / "x.sqlite")]
    )
    assert result.exit_code != 0 and "is not one of the 2 parts" in result.output
    assert not (tmp_path / "x.sqlite").exists()  # refused before anything was written


def test_pooling_seed_writes_one_part(stores: dict[str, Path], tmp_path: Path) -> None:
    # --shards counts the part's own shards: 2 of the 4 the population is cut into, as the fixture's part 0 was.
    path = tmp_path / "part0.sqlite"
    arguments = ["seed", "--persons", "40", "--seed", "11", "--first-year", "2021", "--years", "5"]
    result = CliRunner().invoke(
        cli, [*arguments, "--shards", "2", "--workers", "2", "--parts", "2", "--part", "0", "--db", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "2 shards on 2 workers, part 0 of 2" in " ".join(result.output.split())
    mine, fixture = _open(path), _open(stores["part0"])
    try:
        assert streams(mine) == streams(fixture)
    finally:
        mine.close()
        fixture.close()
