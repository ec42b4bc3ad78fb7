"""The benchmarks' own bookkeeping: what they measure must not be spoiled by how they pick their inputs."""

from __future__ import annotations

from loadtests.bench_commands import BENCH_COUNTY, enrollment, enrollment_number


def test_a_benchmark_person_says_which_enrollment_number_made_it() -> None:
    # A rerun on the same store starts after the highest number used: counting the persons instead (rounded up to
    # a thousand) started inside an earlier run's numbers, and 251 of its enrollments were refused as duplicates.
    for number in (0, 1, 999, 1000, 17_259, 123_456):
        citizen = enrollment(number, "2026-01-02T03:04:05Z")["citizen_id"]
        assert citizen[2:6] == BENCH_COUNTY
        assert enrollment_number(citizen) == number
