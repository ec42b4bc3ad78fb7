"""The replay's report: one JSON document (for machines and the HTTP API) and one readable HTML page beside it.

Both are written to `var/audit/` (or a chosen directory) as `<replay id>.json` and `<replay id>.html`; the id is
the UTC start time, so reports sort by age and a new replay never overwrites an old one."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import orjson

DEFAULT_DIR = Path("var/audit")
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def write_report(report: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write `<id>.json` and `<id>.html`; answer their paths."""
    if not SAFE_ID.fullmatch(str(report["replay_id"])):  # the id may come from an HTTP caller: it names files
        raise ValueError(f"replay id {report['replay_id']!r} must be letters, digits, '.', '_' or '-'")
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{report['replay_id']}.json"
    html_path = json_path.with_suffix(".html")
    json_path.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
    html_path.write_text(render_html(report), encoding="utf-8")
    return json_path, html_path


def read_report(path: Path | str) -> dict[str, Any]:
    """A report written by `write_report`: from its JSON file, its HTML sibling, or a directory (the newest one)."""
    found = Path(path)
    if found.is_dir():
        reports = sorted(found.glob("*.json"))
        if not reports:
            raise FileNotFoundError(f"no replay report in {found}")
        found = reports[-1]
    elif found.suffix == ".html":
        found = found.with_suffix(".json")
    report: dict[str, Any] = orjson.loads(found.read_bytes())
    return report


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return html.escape(text if len(text) <= 300 else text[:297] + "…")


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: dict[str, Any]) -> str:
    """A self-contained page: verdict, totals, checkpoints, view comparisons, invariants, findings."""
    totals = report["totals"]
    verdict = "PASSED" if report["ok"] else "FAILED"
    summary = [
        ["replay", report["replay_id"]],
        ["store", f"{report['store']['backend']} · head position {report['store']['head']}"],
        ["as known at", report.get("until") or "now (compared with the live views)"],
        ["rows read", totals["rows"]],
        ["person events / streams", f"{totals['person_events']} / {totals['person_streams']}"],
        ["events folded into the rebuilt views", totals["folded"]],
        ["speed", f"{totals['events_per_second']:,.0f} rows/s over {totals['seconds']:.2f} s"],
        ["sealed up to", report["checkpoints"]["sealed_up_to"]],
        ["errors / information", f"{report['errors']} / {report['information']}"],
    ]
    checkpoints = [
        [
            c["first_position"],
            c["last_position"],
            c["leaf_count"],
            c["rows"],
            c["merkle_root"][:16],
            c["created_at"],
            "ok" if c["ok"] else "FAILED",
        ]
        for c in report["checkpoints"]["verified"]
    ]
    views = [[v["view"], v["live_groups"], v["rebuilt_groups"], v["differing_groups"]] for v in report["views"]]
    findings = [
        [
            f.get("severity"),
            f.get("category"),
            f.get("code"),
            " ".join(f"{k}={f[k]}" for k in ("stream", "version", "position", "view", "key", "field") if k in f),
            f.get("message"),
            f.get("live"),
            f.get("rebuilt"),
        ]
        for f in report["findings"]
    ]
    style = (
        "body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top;font-size:.9em}"
        "th{background:#f3f3f3}.ok{color:#176f2c}.bad{color:#b00020}"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Audit replay {html.escape(report['replay_id'])}: {verdict}</title><style>{style}</style></head><body>"
        f"<h1>Audit replay <span class='{'ok' if report['ok'] else 'bad'}'>{verdict}</span></h1>"
        + _table(["", ""], summary)
        + "<h2>Checkpoints</h2>"
        + _table(["first", "last", "sealed rows", "rows now", "root", "sealed at", ""], checkpoints)
        + "<h2>Views: rebuilt vs live</h2>"
        + (_table(["view", "live groups", "rebuilt groups", "differing"], views) if views else "<p>not compared</p>")
        + "<h2>Ledger invariants (DOMAIN.md §10.4)</h2><ul>"
        + "".join(f"<li>{html.escape(name)}</li>" for name in report["invariants_checked"])
        + "</ul><h2>Findings</h2>"
        + (
            _table(["severity", "category", "code", "where", "what", "live", "rebuilt"], findings)
            if findings
            else "<p>none</p>"
        )
        + "</body></html>"
    )
