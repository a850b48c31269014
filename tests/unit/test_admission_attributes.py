"""Derived ranking attributes: age rules, distance, domicile and zone scores (Kota Tangerang)."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.admissions.attributes import (
    Place,
    SchoolArea,
    age_days,
    check_age,
    distance_m,
    domicile_score,
    zone_score,
)
from chalicelib.schools.domain import Level


def test_age_in_days_counts_to_the_cut_off_date() -> None:
    assert age_days(date(2019, 7, 1), date(2026, 7, 1)) == 2557


@pytest.mark.parametrize(
    ("birth", "recommendation", "eligible", "priority", "code"),
    [
        (date(2019, 7, 1), False, True, True, ""),  # exactly 7 on 1 July: priority
        (date(2019, 7, 2), False, True, False, ""),  # one day short of 7
        (date(2020, 7, 1), False, True, False, ""),  # exactly 6
        (date(2020, 7, 2), False, False, False, "recommendation_required"),
        (date(2021, 1, 1), True, True, False, ""),  # 5 years 6 months with a recommendation
        (date(2021, 1, 2), True, False, False, "too_young"),  # one day under 5y6m
    ],
)
def test_sd_age_rules_on_1_july(birth: date, recommendation: bool, eligible: bool,
                                priority: bool, code: str) -> None:  # fmt: skip
    result = check_age(Level.SD, birth, 2026, psychologist_recommendation=recommendation)
    assert (result.eligible, result.priority, result.code) == (eligible, priority, code)


@pytest.mark.parametrize(
    ("birth", "eligible"),
    [(date(2011, 1, 1), True), (date(2010, 7, 2), True), (date(2010, 7, 1), False)],
)
def test_smp_applicants_are_at_most_15_on_1_july(birth: date, eligible: bool) -> None:
    assert check_age(Level.SMP, birth, 2026).eligible is eligible


def test_distance_is_haversine_in_metres() -> None:
    # Tangerang city hall to Karawaci, about 3.9 km apart
    metres = distance_m(-6.1781, 106.6300, -6.1925, 106.5963)
    assert 3_900 <= metres <= 4_100
    assert distance_m(-6.2, 106.6, -6.2, 106.6) == 0


SCHOOL = SchoolArea(Place("Sukarasa", "003", "002", "2"),
                    frozenset({("Sukarasa", "004", "001"), ("Sukasari", "001", "005")}))  # fmt: skip


@pytest.mark.parametrize(
    ("home", "score"),
    [
        (Place("Sukarasa", "003", "002", "2"), 5),  # same RT
        (Place("Sukarasa", "003", "007", "2"), 4),  # same RW
        (Place("Sukasari", "001", "005", "2"), 3),  # a listed neighbouring RT/RW
        (Place("Babakan", "002", "001", "2"), 2),  # same wilayah
        (Place("Karawaci", "001", "001", "3"), 1),  # outside the wilayah
        (Place("Sukasari", "003", "002", "2"), 2),  # same RW number, another kelurahan
    ],
)
def test_domicile_score_follows_the_kota_tangerang_rule(home: Place, score: int) -> None:
    assert domicile_score(home, SCHOOL) == score


def test_zone_score_for_afirmasi_is_two_inside_the_wilayah() -> None:
    assert zone_score(Place("Babakan", "002", "001", "2"), SCHOOL) == 2
    assert zone_score(Place("Karawaci", "001", "001", "3"), SCHOOL) == 1
