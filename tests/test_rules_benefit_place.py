"""Place of benefit receipt (DOMAIN.md §6): the six cases a–f of the table."""

from __future__ import annotations

import pytest

from domain.rules.benefit_place import BenefitPlace, place_of_benefit


def test_a_relation_in_the_hukou_unit_needs_no_ten_year_test():
    # H 32; 44: 180, 32: 180; R = 32 = H → rule (1)
    place = place_of_benefit("32", "32", {"44": 180, "32": 180}, ["44", "32"])
    assert place == BenefitPlace(unit="32", rule=1)


def test_b_the_last_earlier_unit_with_ten_years():
    # H 51; 51: 36, 44: 144, 33: 84; R = 33 has 84 < 120, the previous unit 44 has 144 → rule (3)
    place = place_of_benefit("51", "33", {"51": 36, "44": 144, "33": 84}, ["51", "44", "33"])
    assert place == BenefitPlace(unit="44", rule=3)


def test_c_no_unit_reaches_ten_years_so_the_hukou_unit():
    # H 51; 44: 100, 33: 110; R = 33 → rule (4)
    place = place_of_benefit("51", "33", {"44": 100, "33": 110}, ["44", "33"])
    assert place == BenefitPlace(unit="51", rule=4)


def test_d_ten_years_where_the_relation_is():
    # H 41; 41: 24, 32: 130; R = 32 → rule (2)
    place = place_of_benefit("41", "32", {"41": 24, "32": 130}, ["41", "32"])
    assert place == BenefitPlace(unit="32", rule=2)


def test_e_two_stints_in_the_relation_unit_add_up():
    # H 51; 44: 70, 33: 50, 44: 60; R = 44 with cum(44) = 130 → rule (2)
    place = place_of_benefit("51", "44", {"44": 130, "33": 50}, ["44", "33", "44"])
    assert place == BenefitPlace(unit="44", rule=2)


def test_f_back_in_the_hukou_unit_although_cum_is_80():
    # H 34; 34: 60, 31: 125, 34: 20; R = 34 = H → rule (1), although 31 has 125
    place = place_of_benefit("34", "34", {"34": 80, "31": 125}, ["34", "31", "34"])
    assert place == BenefitPlace(unit="34", rule=1)


def test_a_repeated_unit_counts_at_its_latest_position():
    # History 44, 31, 44, 33: before R = 33 the most recent earlier unit is 44, then 31
    place = place_of_benefit("51", "33", {"44": 130, "31": 150, "33": 10}, ["44", "31", "44", "33"])
    assert place == BenefitPlace(unit="44", rule=3)
    # With only 119 months in 44, 31 is found next
    place = place_of_benefit("51", "33", {"44": 119, "31": 150, "33": 10}, ["44", "31", "44", "33"])
    assert place == BenefitPlace(unit="31", rule=3)


def test_the_threshold_is_a_parameter():
    assert place_of_benefit("41", "32", {"32": 100}, ["41", "32"], threshold=96).rule == 2


@pytest.mark.parametrize(
    ("hukou", "relation", "months", "history", "message"),
    [
        ("", "32", {}, ["32"], "hukou_unit"),
        ("32", "", {}, [""], "relation_unit"),
        ("51", "33", {"33": -1}, ["33"], "cumulative months of unit '33'"),
        ("51", "33", {"33": 10}, ["33", "44"], "must end with the relation unit"),
        ("51", "33", {"33": 10}, ["", "33"], "relation_history entry"),
    ],
)
def test_bad_input_is_refused(hukou: str, relation: str, months: dict[str, int], history: list[str], message: str):
    with pytest.raises(ValueError, match=message):
        place_of_benefit(hukou, relation, months, history)


def test_a_non_positive_threshold_is_refused():
    with pytest.raises(ValueError, match="threshold"):
        place_of_benefit("51", "33", {}, ["33"], threshold=0)
