"""Indonesian identifiers (NIK, No. KK, NISN, NPSN, mobile numbers) and the transfer body."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from chalicelib.core.validators import (
    MobileNumber,
    Nik,
    Nisn,
    NoKK,
    Npsn,
    initials,
    mask_nik,
    nik_birth_date,
)
from chalicelib.transfers.schemas import TransferCreate
from tests.support.factories import nik, transfer_body

NIK = TypeAdapter(Nik)


@pytest.mark.parametrize(
    ("value", "birth"),
    [
        ("3671011705120001", (17, 5, 12, False)),
        ("3671015705120001", (17, 5, 12, True)),  # women: day + 40
        ("3671017112090001", (31, 12, 9, True)),
        ("3671012902000001", (29, 2, 0, False)),  # 29 Feb 2000
        ("3671012902120001", (29, 2, 12, False)),
    ],
)
def test_a_nik_carries_the_birth_date_and_gender(value: str, birth: tuple[Any, ...]) -> None:
    assert NIK.validate_python(value) == value
    assert nik_birth_date(value) == birth


def test_a_nik_is_trimmed() -> None:
    assert NIK.validate_python(" 3671011705120001 ") == "3671011705120001"


@pytest.mark.parametrize(
    "value",
    [
        "367101170512000",  # 15 digits
        "36710117051200011",  # 17 digits
        "36710117O5120001",  # a letter O
        "3671 0117 0512 0001",
        "3671013205120001",  # day 32
        "3671017205120001",  # day 32 + 40
        "3671014005120001",  # day 40 is neither a man's nor a woman's day
        "3671010005120001",  # day 0
        "3671011713120001",  # month 13
        "3671012902130001",  # 29 Feb 2013 and 1913 do not exist
        "0000001705120001",  # empty region
        "3671011705120000",  # empty serial number
    ],
)
def test_an_impossible_nik_is_refused(value: str) -> None:
    with pytest.raises(ValidationError):
        NIK.validate_python(value)


@pytest.mark.parametrize(
    ("adapter", "good", "bad"),
    [
        (TypeAdapter(NoKK), "3671010101200003", ["367101010120000", "36710101012000a3"]),
        (TypeAdapter(Nisn), "0012345678", ["012345678", "00123456789", "00123456x8"]),
        (TypeAdapter(Npsn), "20606123", ["2060612", "206061234", "2060612a"]),
    ],
    ids=["no_kk", "nisn", "npsn"],
)
def test_fixed_length_numbers_accept_exactly_their_digits(
    adapter: TypeAdapter[str], good: str, bad: list[str]
) -> None:
    assert adapter.validate_python(f" {good} ") == good
    for value in bad:
        with pytest.raises(ValidationError):
            adapter.validate_python(value)


@pytest.mark.parametrize(
    "value",
    ["081234567890", "0812-3456-7890", "+62 812 3456 7890", "6281234567890", "+6281234567890"],
)
def test_a_mobile_number_is_normalised_to_plus_62(value: str) -> None:
    assert TypeAdapter(MobileNumber).validate_python(value) == "+6281234567890"


@pytest.mark.parametrize(
    "value",
    [
        "0215551234",
        "+62215551234",
        "081234",
        "08123456789012345",
        "+1 812 3456 7890",
        "0812abc4567",
    ],
)
def test_a_landline_foreign_or_malformed_number_is_refused(value: str) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(MobileNumber).validate_python(value)


def test_a_nik_is_masked_to_its_last_four_digits() -> None:
    assert mask_nik("3671011705120001") == "************0001"


def test_initials_hide_a_name() -> None:
    assert initials("Siti  nur Aisyah") == "S. N. A."


# The request body


def test_a_complete_request_body_is_accepted() -> None:
    body = transfer_body("20601001", "20601002")

    created = TransferCreate.model_validate(body)

    assert created.parent.phone == "+6281234567890"
    assert created.student.nik == body["student"]["nik"]


def test_a_girls_nik_matches_gender_p() -> None:
    birth = date(2012, 5, 17)
    body = transfer_body("20601001", "20601002", gender="P", birth=birth)
    assert TransferCreate.model_validate(body).student.gender == "P"


@pytest.mark.parametrize(
    ("student", "message"),
    [
        ({"birth_date": "2012-05-18"}, "tanggal lahir tidak sesuai dengan NIK"),
        ({"birth_date": "2002-05-17"}, "tanggal lahir tidak sesuai dengan NIK"),
        ({"gender": "P"}, "jenis kelamin tidak sesuai dengan NIK"),
    ],
)
def test_the_nik_must_agree_with_birth_date_and_gender(
    student: dict[str, str], message: str
) -> None:
    body = transfer_body("20601001", "20601002", birth=date(2012, 5, 17), gender="L")
    body["student"].update(student)

    with pytest.raises(ValidationError) as refused:
        TransferCreate.model_validate(body)
    assert message in str(refused.value)


def test_a_womans_nik_is_refused_for_a_boy() -> None:
    birth = date(2012, 5, 17)
    body = transfer_body("20601001", "20601002", birth=birth, nik_value=nik(birth, "P"))
    with pytest.raises(ValidationError, match="jenis kelamin"):
        TransferCreate.model_validate(body)


@pytest.mark.parametrize(
    "change",
    [
        {"unexpected": "x"},
        {"destination_npsn": "20601001"},
        {"reason": "pendek"},
        {"origin_npsn": "123"},
    ],
    ids=["extra field", "same school", "short reason", "bad npsn"],
)
def test_a_malformed_request_body_is_refused(change: dict[str, str]) -> None:
    body = {**transfer_body("20601001", "20601002"), **change}
    with pytest.raises(ValidationError):
        TransferCreate.model_validate(body)


def test_an_extra_field_inside_the_student_is_refused() -> None:
    body = transfer_body("20601001", "20601002")
    body["student"]["nik_hmac"] = "x"
    with pytest.raises(ValidationError, match="nik_hmac"):
        TransferCreate.model_validate(body)


def test_nik_like_runs_in_free_text_are_masked() -> None:
    from chalicelib.core.validators import mask_nik_like

    text = (
        "NIK 3671044304110002, KK 3671-0101-0101-0001; NPSN 20606901; 17 digits 12345678901234567"
    )
    assert mask_nik_like(text) == (
        "NIK [NIK/KK disamarkan], KK [NIK/KK disamarkan]; NPSN 20606901; "
        "17 digits 12345678901234567"
    )
