"""`pooling id check`: human and JSON summaries, one `invalid: REASON` line on stderr and exit 1 otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["id", "check", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_citizen_id_is_summarized_with_the_issuing_province() -> None:
    code, out, err = run("11010519491231002X")
    assert (code, err) == (0, "")
    assert "11010519491231002X" in out
    assert "11 北京 (Beijing)" in out and "not the hukou" in out
    assert "1949-12-31" in out and "female" in out


def test_a_lower_case_x_is_accepted_and_shown_normalized() -> None:
    code, out, _ = run("11010519491231002x")
    assert code == 0
    assert "11010519491231002X" in out


def test_json_for_a_citizen_id() -> None:
    code, out, _ = run("320102196503151231", "--json")
    assert code == 0
    assert json.loads(out) == {
        "valid": True,
        "kind": "citizen",
        "number": "320102196503151231",
        "province": "32",
        "province_name": "江苏",
        "birth": "1965-03-15",
        "sex": "male",
    }


def test_a_uscc_is_detected_and_its_parts_shown() -> None:
    code, out, _ = run("91350100M000100Y43")
    assert code == 0
    assert "unified social credit code 91350100M000100Y43" in out and "350100" in out and "M000100Y4" in out
    code, out, _ = run("91350100M000100Y43", "--json")
    assert json.loads(out) == {
        "valid": True,
        "kind": "uscc",
        "code": "91350100M000100Y43",
        "registration_authority": "9",
        "category": "1",
        "division_code": "350100",
        "entity_identifier": "M000100Y4",
    }


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["110105194912310021"], "bad check digit"),
        (["110105491231002"], "15-digit number must be upgraded"),
        (["810000199001010011"], "unsupported region"),
        (["100105194912310021"], "unknown province"),
        (["91350100M000100Y44"], "bad check character"),
        (["91350100M000100Y4"], "bad length"),
        (["320102196503151231", "--kind", "uscc"], "bad check character"),
        (["91350100M000100Y43", "--kind", "citizen"], "bad character"),
    ],
)
def test_an_invalid_value_prints_one_line_on_stderr_and_exits_1(args: list[str], reason: str) -> None:
    assert run(*args) == (1, "", f"invalid: {reason}\n")


def test_json_for_an_invalid_value_uses_the_interchange_error_model() -> None:
    code, out, err = run("810000199001010011", "--json")
    assert (code, err) == (1, "invalid: unsupported region\n")
    answer = json.loads(out)
    assert answer["valid"] is False
    assert (answer["error"], answer["reason"], answer["field"], answer["rule"]) == (
        "unsupported_id_region",
        "unsupported region",
        None,
        None,
    )


def test_help_explains_the_command() -> None:
    result = runner.invoke(app, ["id", "check", "--help"])
    assert result.exit_code == 0
    assert "--kind" in result.stdout and "--json" in result.stdout and "hukou" in result.stdout


def test_the_installed_pooling_script_checks_ids() -> None:
    script = Path(sys.executable).parent / "pooling"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    valid = subprocess.run(
        [str(script), "id", "check", "320102196503151231", "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
        timeout=60,
    )
    assert valid.returncode == 0, valid.stderr
    assert json.loads(valid.stdout)["sex"] == "male"
    invalid = subprocess.run(
        [str(script), "id", "check", "110105194912310021"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
        timeout=60,
    )
    assert (invalid.returncode, invalid.stdout, invalid.stderr) == (1, "", "invalid: bad check digit\n")
