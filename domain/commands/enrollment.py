"""Enrollment (参保登记), employer change and suspension (DOMAIN.md §3.1, §3.6, §5.4)."""

from __future__ import annotations

from domain import events as ev
from domain.commands.context import CommandContext, reject
from domain.commands.transfers import consolidate_temporary
from domain.person import Person
from domain.records import Enrollment
from standards.calendar import Month
from standards.codes import PersonStatus
from standards.identifiers import CitizenId
from standards.interchange import EmployerChangeMessage, EnrollmentMessage, SuspensionMessage

MINIMUM_WORKING_AGE_MONTHS = 16 * 12  # DOMAIN §3.1 [SC]: at least 16 at the effective date
DEEMED_BEFORE = Month(1996, 1)  # DOMAIN §3.1: deemed months lie before 1996-01 (this system's convention)


def enroll(person: Person | None, message: EnrollmentMessage, ctx: CommandContext, citizen: CitizenId) -> Person:
    """Register the person if new, check R004/R005/R015/R001, then append `Enrolled` (and consolidations)."""
    state = person.state if person is not None else None
    if state is not None and state.death is not None:
        raise reject("R004", "the person's death is recorded")
    if state is not None and state.determination is not None:
        raise reject("R005", "a benefit is already determined: no enrollment after retirement")
    effective = message.effective
    if effective > ctx.today:
        raise reject("R015", "enrollment effective in the future", "effective")
    if Month.of(effective) - citizen.birth_month < MINIMUM_WORKING_AGE_MONTHS or (
        Month.of(effective) - citizen.birth_month == MINIMUM_WORKING_AGE_MONTHS and effective.day < citizen.birth.day
    ):
        raise reject("R015", "under the minimum working age of 16 at the effective date", "effective")
    first = state is None or not state.enrollments
    opened = message.account_opened or Month.of(effective)
    if first:
        if opened > Month.of(effective):
            raise reject("R015", "account_opened is after the enrollment month", "account_opened")
        if message.deemed_months:
            first_deemed = opened.shift(-message.deemed_months)
            if opened.shift(-1) >= DEEMED_BEFORE:
                raise reject("R015", "deemed months must lie before 1996-01", "deemed_months")
            if first_deemed <= citizen.birth_month.shift(MINIMUM_WORKING_AGE_MONTHS):
                raise reject("R015", "deemed months must lie after the month of the 16th birthday", "deemed_months")
    if state is not None and state.status_on(ctx.today) == PersonStatus.CONTRIBUTING:
        raise reject("R001", "duplicate participation (重复参保): the person is contributing already")
    if person is None:
        person = Person.register(
            citizen_id=citizen.number,
            timestamp=ctx.recorded_at,
            unit=ctx.unit,
            serial=ctx.serial,
            effective=effective.isoformat(),
            name=message.name,
            sex=citizen.sex,
            birth=citizen.birth.isoformat(),
        )
        ctx.written.append(person.pending_events[-1])  # type: ignore[arg-type]
    state = person.state
    relation = state.relation_unit
    temporary = _opens_temporary_account(state.relation_unit, ctx.unit, message, citizen, ctx)
    category = message.category if citizen.sex == "female" else "worker"
    ctx.emit(
        person,
        ev.Enrolled,
        effective,
        kind_of_insured=message.kind,
        employer_uscc=message.employer_uscc,
        name=message.name,
        hukou_unit=message.hukou_unit,
        category=category,
        deemed_months=message.deemed_months if first else 0,
        account_opened=str(opened if first else state.account_opened or opened),
        temporary=temporary,
        relation_unit=ctx.unit if (relation is None or not temporary) else relation,
        migrated=ctx.migrated,
    )
    for unit in sorted(state.temporary_units() - {ctx.unit}):
        consolidate_temporary(person, ctx, unit, state.relation_unit or ctx.unit, effective)
    ctx.result["temporary_account"] = temporary
    ctx.result["relation_unit"] = state.relation_unit
    return person


def _opens_temporary_account(
    relation: str | None, unit: str, message: EnrollmentMessage, citizen: CitizenId, ctx: CommandContext
) -> bool:
    """§5.4: U ≠ R, U not the hukou unit, and a man aged 50+ or a woman 40+ in the effective month."""
    if relation is None or unit == relation or unit == message.hukou_unit:
        return False
    age = Month.of(message.effective) - citizen.birth_month
    return age >= ctx.policy.temporary_account_age_months(citizen.sex)


def change_employer(person: Person, message: EmployerChangeMessage, ctx: CommandContext) -> None:
    """单位变更 within the unit: needs a covering enrollment there (R003); moves no money."""
    state = person.state
    if state.death is not None:
        raise reject("R004", "the person's death is recorded")
    latest = state.current_enrollment()
    if latest is None or latest.unit != ctx.unit or state.status_on(ctx.today) != PersonStatus.CONTRIBUTING:
        raise reject("R003", "the person is not insured in the sending unit")
    if message.effective > ctx.today:
        raise reject("R015", "employer change effective in the future", "effective")
    ctx.emit(person, ev.EmployerChanged, message.effective, employer_uscc=message.employer_uscc)


def suspend(person: Person, message: SuspensionMessage, ctx: CommandContext) -> None:
    """中断/暂停缴费 from `effective`; relation and account are kept (§3.6)."""
    state = person.state
    if state.death is not None:
        raise reject("R004", "the person's death is recorded")
    if state.determination is not None:
        raise reject("R005", "a benefit is already determined")
    if message.effective > ctx.today:
        raise reject("R015", "suspension effective in the future", "effective")
    latest = state.latest_enrollment_or_suspension(message.effective)
    current = state.current_enrollment()
    if current is None or current.unit != ctx.unit or latest is None or not isinstance(latest, Enrollment):
        raise reject("R003", "the person is not contributing in the sending unit")
    ctx.emit(person, ev.ContributionSuspended, message.effective, reason=message.reason)
