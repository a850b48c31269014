"""The admissions repository on DynamoDB (moto): conditions and transactions that carry the PPDB
invariants. (There is no in-memory twin: PPDB services are tested on the real table.)"""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from chalicelib.admissions.application import AppStatus, Outcome
from chalicelib.admissions.records import AllocationRun, ImportJob, SeatCounter
from chalicelib.admissions.repository import AppChange, DynamoAdmissionRepository
from chalicelib.core.errors import Conflict
from chalicelib.core.ids import new_id
from tests.support.ppdb import T0, application, period_record, period_school, store_period


@pytest.fixture
def repo() -> DynamoAdmissionRepository:
    return DynamoAdmissionRepository()


def test_one_application_per_child_per_period(repo: DynamoAdmissionRepository) -> None:
    period = store_period(repo, period_record(), [])
    app = application(period)
    created = repo.commit(AppChange(after=app, expected_version=None))
    assert created.version == 1
    twin = replace(application(period), child=app.child)  # same NIK hash, new id
    with pytest.raises(Conflict) as err:
        repo.commit(AppChange(after=twin, expected_version=None))
    assert err.value.code == "child_already_registered"
    assert repo.get_application(twin.id) is None  # nothing half-written
    other_period = store_period(repo, period_record(), [])
    repo.commit(AppChange(after=replace(twin, period_id=other_period.id), expected_version=None))


def test_a_stale_version_writes_nothing(repo: DynamoAdmissionRepository) -> None:
    period = store_period(repo, period_record(), [])
    app = repo.commit(AppChange(after=application(period), expected_version=None))
    moved = repo.commit(AppChange(after=replace(app, status=AppStatus.SUBMITTED),
                                  expected_version=app.version))  # fmt: skip
    with pytest.raises(Conflict) as err:
        repo.commit(AppChange(after=replace(app, status=AppStatus.VERIFIED),
                              expected_version=app.version))  # fmt: skip
    assert err.value.code == "concurrent_update"
    stored = repo.get_application(app.id)
    assert stored is not None and stored.status is AppStatus.SUBMITTED
    assert stored.version == moved.version == 2


def test_queues_follow_the_status(repo: DynamoAdmissionRepository) -> None:
    period = store_period(repo, period_record(), [])
    npsn = f"2{uuid.uuid4().int % 10**7:07d}"
    app = repo.commit(AppChange(after=application(period, verifier_npsn=npsn),
                                expected_version=None))  # fmt: skip
    key = f"verify#{period.id}#{npsn}"
    assert repo.queue(key, 10, None)[0] == []
    submitted = repo.commit(
        AppChange(
            after=replace(app, status=AppStatus.SUBMITTED, submitted_at=T0), expected_version=1
        )
    )
    assert [a.id for a in repo.queue(key, 10, None)[0]] == [app.id]
    repo.commit(AppChange(after=replace(submitted, status=AppStatus.VERIFIED), expected_version=2))
    assert repo.queue(key, 10, None)[0] == []
    mine, _ = repo.by_parent(app.parent_sub, 10, None)
    assert [a.id for a in mine] == [app.id]


def test_registrations_of_a_route_in_sequence_order(repo: DynamoAdmissionRepository) -> None:
    period = store_period(repo, period_record(), [])
    ids = []
    for seq in (30, 10, 20):
        a = application(period, status=AppStatus.REGISTERED, route="domisili",
                        choices=("20606901",), seq=seq)  # fmt: skip
        repo.commit(AppChange(after=a, expected_version=None))
        ids.append((seq, a.id))
    assert [a.id for a in repo.registered(period.id, "domisili")] == [i for _, i in sorted(ids)]
    assert list(repo.registered(period.id, "afirmasi")) == []
    assert [repo.next_seq(period.id) for _ in range(3)] == [1, 2, 3]


def test_seat_counter_never_goes_over(repo: DynamoAdmissionRepository) -> None:
    period = store_period(repo, period_record(), [])
    npsn = "20606901"
    repo.put_seat_counter(SeatCounter(period.id, npsn, seats=1, confirmed=0))
    outcome = Outcome(run=1, school=npsn, route="domisili", ranks=(1,), cutoffs=(None,),
                      values=((5.0,),))  # fmt: skip
    apps = [
        repo.commit(AppChange(after=application(period, status=AppStatus.ADMITTED,
                                                route="domisili", choices=(npsn,),
                                                outcome=outcome), expected_version=None))
        for _ in range(2)
    ]  # fmt: skip
    first = replace(apps[0], status=AppStatus.CONFIRMED, confirmed_at=T0)
    repo.commit(AppChange(after=first, expected_version=1, take_seat=npsn))
    second = replace(apps[1], status=AppStatus.CONFIRMED, confirmed_at=T0)
    with pytest.raises(Conflict) as err:
        repo.commit(AppChange(after=second, expected_version=1, take_seat=npsn))
    assert err.value.code == "no_seat"
    stored = repo.get_application(apps[1].id)
    assert stored is not None and stored.status is AppStatus.ADMITTED
    assert repo.seat_counters(period.id) == [SeatCounter(period.id, npsn, 1, 1)]
    with pytest.raises(Exception):  # noqa: B017 - a condition failure: never below confirmed
        repo.put_seat_counter(SeatCounter(period.id, npsn, seats=0, confirmed=0))
    repo.put_seat_counter(SeatCounter(period.id, npsn, seats=3, confirmed=0))
    assert repo.seat_counters(period.id) == [SeatCounter(period.id, npsn, 3, 1)]
    school_list, _ = repo.queue(f"school#{period.id}#{npsn}", 10, None)
    assert {a.id for a in school_list} == {a.id for a in apps}


def test_schools_imports_and_runs(repo: DynamoAdmissionRepository) -> None:
    period = period_record()
    schools = [period_school(f"2060{i:04d}", period) for i in range(30)]
    stored = store_period(repo, period, schools)
    assert stored.schools_import is not None
    got = repo.schools(period.id, stored.schools_import)
    assert sorted(s.npsn for s in got) == sorted(s.npsn for s in schools)
    assert repo.school(period.id, stored.schools_import, schools[3].npsn) == schools[3]
    job = ImportJob(period.id, new_id(), new_id(), "text/csv", "pending_upload", T0, "staff")
    repo.put_import(job)
    assert repo.get_import(job.id) == job
    run = AllocationRun(period.id, 1, "running", T0, "staff")
    assert repo.create_run(run) is True
    assert repo.create_run(run) is False
    repo.save_run(replace(run, status="done", admitted=3))
    assert repo.get_run(period.id, 1) == replace(run, status="done", admitted=3)
    with pytest.raises(Conflict):
        repo.create_period(stored, [])
