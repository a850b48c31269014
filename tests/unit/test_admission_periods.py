"""Admission period configuration: national floors and caps, and the seat split per school."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.admissions.domain import (
    Criterion,
    Family,
    Period,
    Route,
    check_period,
    split_seats,
)
from chalicelib.schools.domain import Level

OPEN = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)
DOMISILI = (Criterion("domicile_score", "desc"), Criterion("age_days", "desc"),
            Criterion("rapor_avg", "desc"), Criterion("registration_seq", "asc"))  # fmt: skip


def route(route_id: str, family: Family, percent: str, spill_to: str | None = None,
          day: int = 0) -> Route:  # fmt: skip
    opens = OPEN + timedelta(days=day)
    return Route(route_id, family, Decimal(percent), opens, opens + timedelta(days=1),
                 opens + timedelta(days=3), opens + timedelta(days=6), DOMISILI, spill_to)  # fmt: skip


def kota_tangerang_sd_2025() -> Period:
    """80 (lingkungan 40 / wilayah 20 / umum 15 / luar kota 5) / afirmasi 15 / mutasi 5."""
    return Period(Level.SD, "2026/2027", 1, (
        route("afirmasi", Family.AFIRMASI, "15", spill_to="domisili_lingkungan"),
        route("mutasi", Family.MUTASI, "5", spill_to="domisili_lingkungan"),
        route("domisili_lingkungan", Family.DOMISILI, "40", spill_to="domisili_wilayah", day=2),
        route("domisili_wilayah", Family.DOMISILI, "20", spill_to="domisili_umum", day=2),
        route("domisili_umum", Family.DOMISILI, "15", day=2),
        route("domisili_luar_kota", Family.DOMISILI, "5", day=2),
    ))  # fmt: skip


def kota_tangerang_smp_2025() -> Period:
    return Period(Level.SMP, "2026/2027", 1, (
        route("afirmasi", Family.AFIRMASI, "20", spill_to="domisili"),
        route("mutasi", Family.MUTASI, "5", spill_to="domisili"),
        route("prestasi", Family.PRESTASI, "30", spill_to="domisili"),
        route("domisili", Family.DOMISILI, "45", day=2),
    ))  # fmt: skip


def codes(period: Period) -> set[str]:
    return {v.code for v in check_period(period)}


def test_the_kota_tangerang_splits_of_2025_meet_the_national_rules() -> None:
    assert check_period(kota_tangerang_sd_2025()) == []
    assert check_period(kota_tangerang_smp_2025()) == []


def test_sd_has_no_prestasi_route_nationally() -> None:
    period = kota_tangerang_sd_2025()
    routes = (*period.routes[:-1], route("prestasi", Family.PRESTASI, "5", day=2))
    violations = check_period(replace(period, routes=routes))
    assert [(v.code, v.national) for v in violations] == [("national_prestasi", True)]


def test_smp_domisili_under_forty_percent_breaks_the_national_floor() -> None:
    period = kota_tangerang_smp_2025()
    routes = (period.routes[0], period.routes[1], route("prestasi", Family.PRESTASI, "40",
              spill_to="domisili"), route("domisili", Family.DOMISILI, "35", day=2))  # fmt: skip
    violations = check_period(replace(period, routes=routes))
    assert [(v.code, v.national) for v in violations] == [("national_domisili", True)]


def test_mutasi_above_five_percent_breaks_the_national_cap() -> None:
    period = kota_tangerang_smp_2025()
    routes = (period.routes[0], route("mutasi", Family.MUTASI, "10", spill_to="domisili"),
              route("prestasi", Family.PRESTASI, "25", spill_to="domisili"), period.routes[3])  # fmt: skip
    assert codes(replace(period, routes=routes)) == {"national_mutasi"}


def test_quotas_must_add_up_to_one_hundred_percent() -> None:
    period = kota_tangerang_smp_2025()
    routes = (*period.routes[:3], route("domisili", Family.DOMISILI, "44", day=2))
    violations = check_period(replace(period, routes=routes))
    assert ("quota_total", False) in [(v.code, v.national) for v in violations]


def test_spillover_may_only_go_to_a_later_route() -> None:
    period = kota_tangerang_smp_2025()
    routes = (route("afirmasi", Family.AFIRMASI, "20", spill_to="afirmasi"), *period.routes[1:])
    assert "spillover_order" in codes(replace(period, routes=routes))


def test_a_window_that_closes_before_it_opens_is_refused() -> None:
    period = kota_tangerang_smp_2025()
    broken = replace(period.routes[0], closes_at=period.routes[0].opens_at)
    assert "timeline" in codes(replace(period, routes=(broken, *period.routes[1:])))


def test_unknown_ranking_fields_are_refused() -> None:
    period = kota_tangerang_smp_2025()
    broken = replace(period.routes[3], criteria=(Criterion("shoe_size", "desc"),))
    assert "criteria" in codes(replace(period, routes=(*period.routes[:3], broken)))


def test_a_school_of_32_seats_is_split_by_largest_remainder() -> None:
    seats = split_seats(32, kota_tangerang_sd_2025())
    # exact shares 4.8 / 1.6 / 12.8 / 6.4 / 4.8 / 1.6: floors add to 28, the 4 largest
    # remainders (0.8, 0.8, 0.8, 0.6 -> first listed on ties) get one more seat each
    assert seats == {"afirmasi": 5, "mutasi": 2, "domisili_lingkungan": 13,
                     "domisili_wilayah": 6, "domisili_umum": 5, "domisili_luar_kota": 1}  # fmt: skip
    assert sum(seats.values()) == 32


percents = st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=8).filter(
    lambda xs: sum(xs) > 0
)


@given(capacity=st.integers(min_value=0, max_value=2000), weights=percents)
def test_the_parts_always_add_up_to_the_capacity_and_stay_within_one_seat(
        capacity: int, weights: list[int]) -> None:  # fmt: skip
    total = sum(weights)
    shares = [Decimal(w) * 100 / total for w in weights]
    shares[-1] = Decimal(100) - sum(shares[:-1])  # exact 100% in Decimal
    routes = tuple(route(f"r{i}", Family.DOMISILI, str(s)) for i, s in enumerate(shares))
    seats = split_seats(capacity, Period(Level.SMP, "2026/2027", 1, routes))
    assert sum(seats.values()) == capacity
    for r in routes:
        exact = Decimal(capacity) * r.quota_percent / 100
        assert abs(seats[r.id] - exact) < 1
