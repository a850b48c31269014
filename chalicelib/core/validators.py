"""Indonesian identifiers as pydantic types with clear Indonesian messages.

NIK: 16 digits; digits 7-12 are the birth date DDMMYY, with 40 added to the day for women.
No. KK: 16 digits. NISN: 10 digits (opaque). NPSN: 8 digits. Mobile: +62 / 62 / 08 then 8xx.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator

_DIGITS16 = re.compile(r"^\d{16}$")
_MOBILE = re.compile(r"^(?:\+62|62|0)(8\d{7,11})$")


def nik_birth_date(nik: str, century: int = 2000) -> tuple[int, int, int, bool]:
    """(day, month, two-digit year, is_female) encoded in a NIK; raises ValueError if impossible."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    if female:
        day -= 40
    # 2000 is a leap year and 1900 is not; a 29 Feb in "00" is valid for children born in 2000.
    for full_year in (century + year, century - 100 + year):
        try:
            date(full_year, month, day)
            return day, month, year, female
        except ValueError:
            continue
    raise ValueError("tanggal lahir di dalam NIK tidak valid")


def check_nik_matches(nik: str, birth: date, gender: str) -> None:
    """The birth date and gender a NIK encodes must be the child's; raises ValueError."""
    day, month, year, female = nik_birth_date(nik)
    if (birth.day, birth.month, birth.year % 100) != (day, month, year):
        raise ValueError("tanggal lahir tidak sesuai dengan NIK")
    if female != (gender == "P"):
        raise ValueError("jenis kelamin tidak sesuai dengan NIK")


def check_nik(value: str) -> str:
    value = value.strip()
    if not _DIGITS16.match(value):
        raise ValueError("NIK harus terdiri dari 16 angka")
    if value[:6] == "000000" or value[12:] == "0000":
        raise ValueError("NIK tidak valid: kode wilayah atau nomor urut kosong")
    nik_birth_date(value)
    return value


def check_kk(value: str) -> str:
    value = value.strip()
    if not _DIGITS16.match(value):
        raise ValueError("Nomor KK harus terdiri dari 16 angka")
    return value


def check_nisn(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"\d{10}", value):
        raise ValueError("NISN harus terdiri dari 10 angka")
    return value


def check_npsn(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"\d{8}", value):
        raise ValueError("NPSN harus terdiri dari 8 angka")
    return value


def check_mobile(value: str) -> str:
    compact = re.sub(r"[\s-]", "", value)
    match = _MOBILE.match(compact)
    if not match:
        raise ValueError(
            "Nomor HP harus nomor seluler Indonesia, contoh 0812xxxxxxxx atau +62812xxxxxxxx"
        )
    return "+62" + match.group(1)


_NIK_LIKE = re.compile(r"(?<!\d)(?:\d[\s.\-/_:,]?){15}\d(?!\d)")


def mask_nik_like(text: str) -> str:
    """Free text (a reason, a note) with a 16-digit run, separators allowed, masked: staff
    sometimes paste a NIK or No. KK where only words belong."""
    return _NIK_LIKE.sub("[NIK/KK disamarkan]", text)


def mask_nik(nik: str) -> str:
    return "*" * 12 + nik[-4:]


def initials(name: str) -> str:
    """'Siti Nur Aisyah' -> 'S. N. A.'; used where the public may see who a letter is for."""
    return " ".join(part[0].upper() + "." for part in name.split() if part)


Nik = Annotated[str, AfterValidator(check_nik)]
NoKK = Annotated[str, AfterValidator(check_kk)]
Nisn = Annotated[str, AfterValidator(check_nisn)]
Npsn = Annotated[str, AfterValidator(check_npsn)]
MobileNumber = Annotated[str, AfterValidator(check_mobile)]
