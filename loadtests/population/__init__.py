"""A deterministic synthetic population, as streams of interchange v1 messages (INTERCHANGE.md).

    for month in generate(2000, seed=7):          # one list per calendar month, 2003-01 … 2025-12
        app.submit_batch(...) / app.submit(run)     # or: feed(app, generate(2000))

Used by `pooling demo` (a few thousand persons) and by the load tests. Each message is a plain dict exactly as
INTERCHANGE.md defines it, with `recorded_at` (UTC) so that a simulated store replays twenty years with their
true recorded times. The same arguments give the same stream: one `random.Random(seed)`, no clock, no global
state except `PLANTED`, which describes what the last `generate` call planted.

Stated assumptions (round numbers chosen to look plausible; **none is a published statistic**):

- **Units** (`world.UNIT_WEIGHTS`): a person's first unit is drawn with weights 44 广东 30, 32 江苏 22,
  51 四川 14, 31 上海 13, 11 北京 13, 66 兵团 2 (any other unit 8): Guangdong and Jiangsu largest, XPCC small.
- **Hukou**: the first unit for 70 %; otherwise drawn with weights favouring 51 四川 (migrant workers' origin).
  The ID is issued in the hukou's province for 80 % (XPCC residents carry 65), elsewhere for 20 %.
- **Cohorts and ages**: 65 % were working when the window opens (birth months uniform between age 20 and
  three months before the legal month); 25 % enter during the window at 18-26; 10 % are the first birth months
  of each reformed group (men born 1965-01…08, women workers 1975-01…08, cadres 1970-01…08), who retire in 2025
  at a reformed age; a quarter of them with a delay choose early retirement at the original age. 55 % men;
  20 % of women are cadres (original age 55).
- **Work before the window**: months before 1996-01 after starting work (at 18-24) become `deemed_months`
  with `account_opened` 1996-01; actual months between 1996 and the window's start are not in the store
  (they would be migrated with `pooling import --migrate`). So `first_year` must be at least 1996.
- **Wages**: employees declare a wage relative to the unit's reference wage RW: lognormal, median 0.9,
  σ 0.45 (about 18 % fall below the 60 % floor and are clamped up, R006; a few above 300 % down), drifting
  by a personal N(0, 2 %) a year. Flexible workers (15 % of first enrollments, some after a gap): 55 % declare
  the floor exactly, 10 % last year's floor (clamped up, R006), 35 % 0.8, 1.0 or 1.5 × RW.
- **Careers**: 0, 1 or 2 employment gaps (60/30/10 %): `suspension` (left_employer 60 %, unemployed 30 %,
  other 10 %), 2-18 months later a new enrollment in the same unit (a fifth switch employee ↔ flexible).
  Employees change employer (`employer_change`) with probability 8 % a year. 6 % of stints miss one month,
  back-paid 1-3 months later (`back_payment`). 3 % of persons have one contribution sent with a base ten
  times too high, then a `correction` of it and the contribution re-sent, all in the same month.
- **Moves**: 13 % are drawn to move to another unit once, mostly before 45 (about 8-9 % have the time
  before retirement; with the temporary accounts below, about 10 % of persons move): `suspension` in A, `enrollment` in B the
  next month (or up to two later), `transfer_request` from B 2-8 days later, `transfer_send` from A 3-10 days
  after, `transfer_receive` in B 1-6 days after. A move that would open a temporary account goes to the
  hukou instead (or does not happen). 6 % of men turning 50 while contributing move to a unit that is neither
  their relation unit nor their hukou: a **temporary account** (no transfer; consolidated at retirement).
  No career event falls in the seven months before retirement, so no transfer is in transit then.
- **Retirement** in the legal month (DOMAIN.md §7.1, `domain.rules.retirement_age.legal_retirement` with the
  policy's group), recorded on days 21-24 of M by the **place of benefit P**, computed with
  `domain.rules.benefit_place.place_of_benefit` from the months the plan pays (so P may differ from the last
  unit). A person short of `minimum_contribution_months` at the legal month keeps contributing and retires as
  soon as the minimum is reached (`late_months`); if that is after the window, they are simply not retired.
  Retirees are certified (`certification`) every 12 months after M while alive.
- **Deaths**: annual probability 0.04 % × e^(0.09 × (age − 30)) for men (0.6 % at 60, 3.6 % at 80), × 0.6
  for women, from enrollment on. Recorded 1-10 days after; 8 % of retirees' deaths 1-2 months late, after a
  later month's payout (R101). Causes: retirees illness 90 %, accident 10 %; contributors illness 65 %,
  accident 20 %, work_injury 15 % (no survivor benefits).
- **Runs**: each unit's `payout_run` for month X on X-25 (`PAY-44-2024-05`); the ministry's `interest_run`
  for Y on Y+1-01-10 (`INT-2024`) for every year policy has a rate; its `adjustment_run` for Y on Y-07-08
  (`ADJ-2025`) with policy's rate as a decimal string, so January-June are paid as arrears in July.

Planted facts (`PLANTED`): exactly one duplicate contribution (the same period sent again by the same unit
under a new serial, refused R002); one retiree's death recorded three months late (R101 overpayments); when
the inheritance provably cannot cover the overpayments, a `recovery` of part of the remainder; the list of
corrections; counts and example citizen IDs of retirements (reformed, early, late), transfers, temporary
accounts, deaths (late, work injury), back-payments.
"""

from __future__ import annotations

from loadtests.population.feed import FeedReport, Refusal, feed, segments
from loadtests.population.stream import PLANTED, generate
from loadtests.population.world import DEFAULT_UNITS

__all__ = ["DEFAULT_UNITS", "PLANTED", "FeedReport", "Refusal", "feed", "generate", "segments"]
