"""Who may do what: the roles matrix of the API in one place (api/README.md shows it as a table).

Writing: a province operator sends only messages whose `unit` is its own (the issuing unit: a transfer
request comes from the receiving unit, a send from the sending one); the ministry sends only national
messages (`unit` "00": interest and adjustment runs, and the any-unit certification/death). Auditors and
citizens write nothing. Reading: ministry and auditor read everything; a province reads the dossiers of
persons its unit has dealings with, its own ledger, and its own jobs; a citizen reads its own dossier."""

from __future__ import annotations

from typing import Any

from api.auth import Principal, Role
from api.errors import ApiError
from standards.codes import ErrorCode

WRITERS = (Role.PROVINCE, Role.MINISTRY)
STAFF = (Role.PROVINCE, Role.MINISTRY, Role.AUDITOR)


def forbid(message: str, field: str | None = None) -> ApiError:
    return ApiError(ErrorCode.FORBIDDEN, message, field=field)


def require_role(principal: Principal, *roles: Role) -> None:
    """403 unless the token's role is one of `roles`."""
    if principal.role not in roles:
        allowed = ", ".join(role.value for role in roles)
        raise forbid(f"a {principal.role.value} token may not do this (allowed: {allowed})")


def require_writer(principal: Principal) -> None:
    if principal.role not in WRITERS:
        raise forbid(f"a {principal.role.value} token writes nothing")


def check_issuing_unit(principal: Principal, unit: Any) -> None:
    """A message is written only by the unit it names as its issuer."""
    require_writer(principal)
    if unit != principal.unit:
        who = (
            "the ministry writes only national messages (unit 00)"
            if principal.role is Role.MINISTRY
            else (f"a province operator of unit {principal.unit} writes only messages of its own unit")
        )
        raise forbid(f"{who}; this message's unit is {unit!r}", field="unit")


def check_person_reader(principal: Principal, citizen_id: str) -> None:
    """The check that needs no dossier: citizens see only themselves; every staff role may go on."""
    if principal.role is Role.CITIZEN and principal.citizen_id != citizen_id:
        raise forbid("a citizen token reads only its own dossier", field="citizen_id")


def has_dealings(unit: str, dossier: dict[str, Any]) -> bool:
    """Whether a unit has dealings with the person: months paid there, enrolled there, or one of its units."""
    units = {dossier.get(key) for key in ("insured_unit", "relation_unit", "benefit_unit", "benefit_unit_provisional")}
    units |= set(dossier.get("months_by_unit") or {})
    units |= {event.get("unit") for event in dossier.get("events") or () if event.get("type") == "Enrolled"}
    return unit in units


def check_dealings(principal: Principal, dossier: dict[str, Any]) -> None:
    """For a province: 403 unless its unit has dealings with the person (judged on the current dossier)."""
    if principal.role is Role.PROVINCE and not has_dealings(str(principal.unit), dossier):
        raise forbid(f"unit {principal.unit} has no dealings with this person", field="citizen_id")


def check_ledger_reader(principal: Principal, unit: str | None) -> None:
    """Ministry and auditor read every ledger; a province its own unit's; citizens none."""
    if principal.reads_everything:
        return
    if principal.role is Role.PROVINCE and unit == principal.unit:
        return
    scope = "the national ledger" if unit is None else f"the ledger of unit {unit}"
    raise forbid(f"a {principal.role.value} token may not read {scope}", field="unit")
