"""Deterministic plan of the 南通市 demo registry: plain data, no database.

``plan_facilities()`` and ``plan_staff()`` draw from ``random.Random`` with fixed seeds, so
every run yields the same facilities, codes, names and people. ``portal.demo`` turns the
plan into rows.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from portal.demo_names import (
    CLINIC_KINDS,
    COUNTIES,
    FEMALE_CHARS,
    INDEPENDENT_PHARMACIES,
    MALE_CHARS,
    OUTPATIENT_BRANDS,
    OUTPATIENT_DEPTS,
    PHARMACY_CHAINS,
    PRIVATE_HOSPITALS,
    SURNAMES,
    County,
)
from portal.models.enums import FacilityKind, FacilityStatus, HospitalLevel, Ownership, Profession
from portal.validators import USCC_CHARSET, uscc_check_char

FACILITY_SEED = 20261101
STAFF_SEED = 20261102
#: The demo's "now": agreements after 2026-05-01 are younger than six months.
DEMO_TODAY = date(2026, 11, 1)
H, C, P = FacilityKind.HOSPITAL, FacilityKind.CLINIC, FacilityKind.PHARMACY
L3, L2, L1, L0 = (
    HospitalLevel.TERTIARY,
    HospitalLevel.SECONDARY,
    HospitalLevel.PRIMARY,
    HospitalLevel.UNRATED,
)
PUB, PRI = Ownership.PUBLIC, Ownership.PRIVATE
CITY_HOSPITALS = (  # 市属 hospitals, registered in 崇川区
    ("南通大学附属医院", L3, PUB),
    ("南通大学附属医院（东院区）", L3, PUB),
    ("南通市第一人民医院", L3, PUB),
    ("南通市中医院", L3, PUB),
    ("南通市第三人民医院", L3, PUB),
    ("南通市肿瘤医院", L3, PUB),
    ("南通市妇幼保健院", L3, PUB),
    ("南通和济医院", L3, PRI),
    ("南通市第二人民医院", L2, PUB),
    ("南通市第四人民医院", L2, PUB),
    ("南通市第六人民医院", L2, PUB),
    ("南通市老年康复医院", L2, PUB),
)
TOWN_ROADS = ("人民路", "建设路", "通海路", "振兴路", "中心街", "新华路", "育才路", "镇南路")
MOBILE_PREFIXES = ("138", "139", "158", "159", "180", "181", "187", "188", "136", "151", "152")
#: Hospital professions and weights; each hospital also gets fee reviewers first.
HOSPITAL_MIX = (
    (Profession.DOCTOR, 40),
    (Profession.NURSE, 42),
    (Profession.PHARMACIST, 7),
    (Profession.TECHNICIAN, 9),
    (Profession.FEE_REVIEWER, 2),
)
CLINIC_MIX = (
    (Profession.DOCTOR, 50),
    (Profession.NURSE, 35),
    (Profession.PHARMACIST, 8),
    (Profession.TECHNICIAN, 7),
)
STAFF_LETTER = {
    Profession.DOCTOR: "D",
    Profession.NURSE: "N",
    Profession.PHARMACIST: "Y",
    Profession.TECHNICIAN: "J",
    Profession.FEE_REVIEWER: "S",
    Profession.PHARMACY_PRINCIPAL: "Y",
}


@dataclass
class FacilityPlan:
    site_code: str
    credit_code: str
    name: str
    kind: FacilityKind
    level: HospitalLevel
    ownership: Ownership
    county: str
    address: str
    legal_representative: str
    agreement_start: date
    status: FacilityStatus
    contact_name: str
    contact_phone: str
    #: Typical head count, used to size the staff.
    size: int = 0
    #: Set for terminated agreements: when the practices there ended.
    ended: date | None = None


@dataclass
class StaffPlan:
    staff_code: str
    name: str
    id_number: str
    profession: Profession
    #: (site code, start, end); the first is the primary practice site.
    practices: list[tuple[str, date, date | None]] = field(default_factory=list)


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def person_name(rng: random.Random, female: bool) -> str:
    chars = FEMALE_CHARS if female else MALE_CHARS
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _org_code(rng: random.Random, head: str) -> str:
    """Eight characters plus the GB 11714 check character (9 in all)."""
    body = head + "".join(
        rng.choice(USCC_CHARSET[:10] if head == "4" else USCC_CHARSET) for _ in range(8 - len(head))
    )
    total = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


class _FacilityMaker:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.codes: set[str] = set()
        self.seq: dict[str, int] = defaultdict(int)
        self.names: set[str] = set()
        self.out: list[FacilityPlan] = []

    def credit_code(self, county: County, register: str) -> str:
        """A unique code: ``register`` is 12 (public institution), 91 (company) or 92
        (individual business)."""
        head = "4" if register == "12" else "MA"
        while True:
            first17 = register + county.code + _org_code(self.rng, head)
            code = first17 + uscc_check_char(first17)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def phone(self, kind: FacilityKind) -> str:
        rng = self.rng
        if kind is H or rng.random() < 0.3:
            return f"0513-8{rng.randint(0, 9_999_999):07d}"
        return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"

    def add(self, county, name, kind, level, ownership, place, size, credit=None, register=None):
        if name in self.names:
            return None
        self.names.add(name)
        rng = self.rng
        letter = "P" if kind is P else "H"
        self.seq[letter + county.code] += 1
        if place in county.roads:
            road = place
        else:  # a subdistrict uses the district's roads, a town its own high street
            roads = county.roads if place in county.subdistricts else TOWN_ROADS
            road = place + rng.choice(roads)
        old = ownership is PUB and kind is H
        plan = FacilityPlan(
            site_code=f"{letter}{county.code}{self.seq[letter + county.code]:05d}",
            credit_code=credit
            or self.credit_code(county, register or ("12" if ownership is PUB else "91")),
            name=name,
            kind=kind,
            level=level,
            ownership=ownership,
            county=county.name,
            address=f"江苏省南通市{county.name}{road}{rng.randint(1, 388)}号",
            legal_representative=person_name(rng, rng.random() < 0.35),
            agreement_start=_day(
                rng, date(2010 if old else 2013, 1, 1), date(2018 if old else 2025, 12, 31)
            ),
            status=FacilityStatus.ACTIVE,
            contact_name=person_name(rng, rng.random() < 0.6),
            contact_phone=self.phone(kind),
            size=size,
        )
        self.out.append(plan)
        return plan


def _hospitals(m: _FacilityMaker, county: County, first: bool) -> None:
    rng, pre, short = m.rng, county.prefix, county.short
    if first:
        for name, level, own in CITY_HOSPITALS:
            credit = m.out[-1].credit_code if "院区" in name else None
            size = {L3: rng.randint(38, 55), L2: rng.randint(18, 28)}[level]
            m.add(county, name, H, level, own, rng.choice(county.roads), size, credit)
    else:
        m.add(county, f"{pre}人民医院", H, L3, PUB, rng.choice(county.roads), rng.randint(40, 55))
        m.add(county, f"{pre}中医院", H, L3, PUB, rng.choice(county.roads), rng.randint(35, 45))
        if county.short in ("如皋", "海门"):
            m.add(county, f"{short}瑞华医院", H, L3, PRI, rng.choice(county.roads), 38)
        for stem in ("第二人民医院", "妇幼保健院", "第三人民医院")[: rng.randint(2, 3)]:
            m.add(county, pre + stem, H, L2, PUB, rng.choice(county.roads), rng.randint(18, 28))
        for town in county.towns[:2]:
            m.add(county, f"{pre}{town}中心卫生院", H, L1, PUB, town, rng.randint(10, 15))
    sizes = {L2: (16, 24), L1: (8, 13), L0: (5, 9)}
    for stem, level in rng.sample(PRIVATE_HOSPITALS, 5 if first else 4):
        level = HospitalLevel(level)
        m.add(
            county,
            short + stem,
            H,
            level,
            PRI,
            rng.choice(county.roads),
            rng.randint(*sizes[level]),
        )


def _clinics(m: _FacilityMaker, county: County, first: bool) -> None:
    rng, pre = m.rng, county.prefix
    for sub in county.subdistricts[:8]:
        m.add(county, f"{pre}{sub}社区卫生服务中心", C, L0, PUB, sub, rng.randint(7, 11))
    for town in county.towns[2:]:
        m.add(county, f"{pre}{town}卫生院", C, L0, PUB, town, rng.randint(6, 9))
    for _ in range(4 if first else 3):
        owner = person_name(rng, rng.random() < 0.4)
        name = f"{pre}{owner}{rng.choice(CLINIC_KINDS)}"
        m.add(county, name, C, L0, PRI, rng.choice(county.roads), rng.randint(2, 4))
    for _ in range(2):
        brand, dept = rng.choice(OUTPATIENT_BRANDS), rng.choice(OUTPATIENT_DEPTS)
        m.add(
            county,
            f"南通{county.short}{brand}{dept}",
            C,
            L0,
            PRI,
            rng.choice(county.roads),
            rng.randint(4, 7),
        )


def _pharmacies(m: _FacilityMaker, county: County, count: int) -> None:
    rng = m.rng
    places = list(county.roads) + list(county.towns)
    added = 0
    while added < count:
        place = rng.choice(places)
        store = place.removesuffix("镇") if place.endswith("镇") else place
        if rng.random() < 0.7:  # a chain store: a branch company with its own 91 code
            chain = rng.choice(PHARMACY_CHAINS)
            name = f"南通{chain}连锁有限公司{county.short}{store}店".replace("店店", "镇店")
            register = "91"
        else:  # an independent pharmacy, mostly an individual business (个体工商户)
            town = place if place.endswith("镇") else ""
            name = f"{county.prefix}{town}{rng.choice(INDEPENDENT_PHARMACIES)}"
            register = "92" if rng.random() < 0.75 else "91"
        if m.add(county, name, P, L0, PRI, place, rng.randint(1, 2), register=register):
            added += 1


@cache
def plan_facilities() -> tuple[FacilityPlan, ...]:
    """About 300 facilities across the seven counties and districts, always the same."""
    m = _FacilityMaker(random.Random(FACILITY_SEED))
    for index, county in enumerate(COUNTIES):
        _hospitals(m, county, index == 0)
        _clinics(m, county, index == 0)
        _pharmacies(m, county, 19 if index == 0 else 16)
    rng = m.rng
    # Recently contracted (under six months on 2026-11): private clinics, pharmacies, new
    # hospitals. Then a few suspended and terminated agreements among the older ones.
    private = [f for f in m.out if f.ownership is PRI]
    recent = rng.sample(private, 9)
    for f in recent:
        f.agreement_start = _day(rng, date(2026, 5, 10), date(2026, 10, 20))
    older = [f for f in private if f not in recent]
    changed = rng.sample(older, 7)
    for f in changed[:4]:
        f.status = FacilityStatus.SUSPENDED
    for f in changed[4:]:
        f.status = FacilityStatus.TERMINATED
        f.ended = _day(rng, date(2025, 6, 1), date(2026, 9, 30))
    return tuple(m.out)
