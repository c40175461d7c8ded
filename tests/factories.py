"""Valid test data: credit codes, site codes and ID numbers with correct check characters."""

from __future__ import annotations

from datetime import date

from portal.models.enums import FacilityKind, FacilityStatus, HospitalLevel, Ownership, Profession
from portal.validators import id_check_char, uscc_check_char


def credit_code(n: int) -> str:
    first17 = f"12320600{n:09d}"
    return first17 + uscc_check_char(first17)


def site_code(n: int, pharmacy: bool = False) -> str:
    return ("P" if pharmacy else "H") + f"320602{n:05d}"


def id_number(n: int, birth: str = "19800101") -> str:
    first17 = f"320602{birth}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def facility_data(n: int, **overrides) -> dict:
    kind = overrides.get("kind", FacilityKind.HOSPITAL)
    data = {
        "credit_code": credit_code(n),
        "site_code": site_code(n, pharmacy=kind is FacilityKind.PHARMACY),
        "name": f"测试医疗机构{n}",
        "kind": kind,
        "level": HospitalLevel.SECONDARY
        if kind is FacilityKind.HOSPITAL
        else HospitalLevel.UNRATED,
        "ownership": Ownership.PUBLIC,
        "county": "崇川区",
        "address": f"南通市崇川区测试路{n}号",
        "legal_representative": "张三",
        "agreement_start": date(2020, 1, 1),
        "status": FacilityStatus.ACTIVE,
        "contact_name": "李四",
        "contact_phone": "0513-80000000",
    }
    data.update(overrides)
    return data


def staff_data(n: int, facilities, **overrides) -> dict:
    data = {
        "staff_code": f"D{320602000000 + n}",
        "name": f"王医生{n}",
        "id_number": id_number(n),
        "profession": Profession.DOCTOR,
        "facilities": facilities,
    }
    data.update(overrides)
    return data
