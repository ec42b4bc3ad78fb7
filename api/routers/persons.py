"""A person's read side: the dossier (电子档案袋) as of D and as known at T, the stream's events, and the
yearly series the console charts. Citizens read only themselves; a province only persons its unit has
dealings with (judged on the current dossier, so a past `as_of` cannot hide or reveal a relation)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.access import check_person_reader, forbid
from api.auth import Principal, Role
from api.deps import AsKnownAtDep, AsOfDateDep, CitizenIdDep, PrincipalDep, ProjectionsDep, ServicesDep
from api.errors import error_responses
from api.models import PersonEvent, PersonEvents, Series
from api.readmodels import CurrentDocument, GuardedProjections, render_dossier
from api.series import yearly_series
from domain import events as ev
from standards.interchange import DossierModel

router = APIRouter(prefix="/api/v1/persons", tags=["persons"])
_REFUSALS = error_responses(401, 403, 404, 422, 503)


def _authorize(principal: Principal, projections: GuardedProjections, citizen_id: str) -> CurrentDocument | None:
    """403 for a reader who may not see this person; the current dossier when it had to be read for that."""
    check_person_reader(principal, citizen_id)
    if principal.role is not Role.PROVINCE:
        return None
    current = projections.current_document(citizen_id)
    check_dealing_units(principal, current.units)
    return current


def check_dealing_units(principal: Principal, units: frozenset[str]) -> None:
    """`check_dealings` on the units a current document found to have dealings with the person."""
    if principal.role is Role.PROVINCE and str(principal.unit) not in units:
        raise forbid(f"unit {principal.unit} has no dealings with this person", field="citizen_id")


@router.get(
    "/{citizen_id}/dossier",
    response_model=DossierModel,
    responses=_REFUSALS,
    summary="The dossier, as of D, as known at T",
)
def dossier(
    principal: PrincipalDep,
    projections: ProjectionsDep,
    citizen_id: CitizenIdDep,
    as_of: AsOfDateDep,
    as_known_at: AsKnownAtDep,
) -> Response:
    """The body is rendered by `render_dossier` (what `response_model` would give, byte for byte); the current
    dossier is read once, also for a province's dealings check."""
    current = _authorize(principal, projections, citizen_id)
    if as_of is None and as_known_at is None:
        body = (current or projections.current_document(citizen_id)).body
    else:
        body = render_dossier(projections.dossier(citizen_id, as_of, as_known_at))
    return Response(content=body, media_type="application/json")


@router.get(
    "/{citizen_id}/events", response_model=PersonEvents, responses=_REFUSALS, summary="Every event of the stream"
)
def events(principal: PrincipalDep, services: ServicesDep, citizen_id: CitizenIdDep) -> PersonEvents:
    _authorize(principal, services.projections, citizen_id)
    history = services.app.events_of(citizen_id)
    reversed_versions = {e.reversed_version for e in history if isinstance(e, ev.Reversed)}
    return PersonEvents(citizen_id=citizen_id, events=[_row(e, reversed_versions) for e in history])


_ENVELOPE = {"originator_id", "originator_version", "timestamp", "unit", "serial", "effective"}


def _row(event: ev.PersonEvent, reversed_versions: set[int]) -> PersonEvent:
    return PersonEvent(
        version=event.originator_version,
        type=event.kind,
        effective=event.effective,
        recorded=event.recorded_at,
        unit=event.unit,
        serial=event.serial,
        reversed=event.originator_version in reversed_versions,
        data={key: value for key, value in vars(event).items() if key not in _ENVELOPE},
    )


@router.get(
    "/{citizen_id}/series", response_model=Series, responses=_REFUSALS, summary="Yearly base and balance (chart)"
)
def series(
    principal: PrincipalDep,
    services: ServicesDep,
    citizen_id: CitizenIdDep,
    as_of: AsOfDateDep,
    as_known_at: AsKnownAtDep,
) -> Series:
    _authorize(principal, services.projections, citizen_id)
    answer = yearly_series(services.projections, citizen_id, as_of, as_known_at, services.settings.series_max_years)
    return Series.model_validate(answer)
