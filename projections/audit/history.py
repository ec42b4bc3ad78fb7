"""Any record at any date: how a person's dossier changed, event by event (for a case worker explaining a record).

After each event the dossier is built as the system knew it then: as of the event's recorded date, as known at
its recorded time, exactly as the dossier view built it at that moment. Consecutive dossiers are then diffed,
leaving out the event list and the two times, which change with every event and say nothing about the record."""

from __future__ import annotations

from typing import Any

from domain.clock import recorded_date
from domain.errors import UnknownPerson
from domain.person import person_id
from domain.state import PersonState
from projections.audit.compare import diff_json
from projections.dossier import build_dossier
from projections.runs import RunsHistory

IGNORED = frozenset({"events", "as_of", "as_known_at"})


def person_history(app: Any, citizen_id: str) -> list[dict[str, Any]]:
    """One step per event of the stream: the event, and the dossier fields it changed (before → after)."""
    events = list(app.events.get(person_id(citizen_id)))
    if not events:
        raise UnknownPerson(citizen_id)
    runs = RunsHistory(app)
    # Folding one event at a time is `projections.dossier.fold` up to that event, without refolding the prefix.
    state = PersonState()
    previous: dict[str, Any] = {}
    steps = []
    for event in events:
        state.apply(event)
        dossier = build_dossier(
            state,
            as_of=recorded_date(event.recorded_at),
            as_known_at=event.recorded_at,
            policy=app.policy,
            fallback_rate=runs.fallback_rate(app.policy, event.recorded_at),
            simulated=app.simulated,
        )
        changes = [
            {"field": path, "before": before, "after": after}
            for path, before, after in diff_json(previous, dossier, ignore=IGNORED, whole_lists=True)
            if previous or after not in (None, [], {}, 0, False, "")
        ]
        step: dict[str, Any] = {
            "version": event.originator_version,
            "type": event.kind,
            "effective": event.effective,
            "recorded": event.recorded_at.isoformat(),
            "unit": event.unit,
            "serial": event.serial,
            "changes": changes,
        }
        period = getattr(event, "period", None)
        if period is not None:
            step["period"] = period
        steps.append(step)
        previous = dossier
    for step in steps:
        if step["version"] in state.reversed_versions:
            step["reversed"] = True  # reversed later (冲正): its effect was taken back by a later event
    return steps
