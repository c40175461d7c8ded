"""Deterministic plan of the demo staff (医保相关人员) for the planned facilities."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from functools import cache

from portal.demo_names import COUNTIES, OTHER_ID_REGIONS
from portal.demo_plan import (
    CLINIC_MIX,
    DEMO_TODAY,
    HOSPITAL_MIX,
    STAFF_LETTER,
    STAFF_SEED,
    FacilityPlan,
    StaffPlan,
    _day,
    person_name,
    plan_facilities,
)
from portal.models.enums import FacilityKind, FacilityStatus, HospitalLevel, Profession
from portal.validators import id_check_char

#: Share of staff at hospitals and clinics who also practise elsewhere (多点执业).
MULTI_SITE_SHARE = 0.10
LAST_START = date(2026, 10, 15)


def _professions(rng: random.Random, facility: FacilityPlan) -> list[Profession]:
    if facility.kind is FacilityKind.PHARMACY:
        return [Profession.PHARMACY_PRINCIPAL] + [Profession.PHARMACIST] * facility.size
    if facility.kind is FacilityKind.HOSPITAL:
        reviewers = 2 if facility.level is HospitalLevel.TERTIARY else 1
        fixed = [Profession.FEE_REVIEWER] * reviewers + [Profession.DOCTOR, Profession.NURSE]
        mix = HOSPITAL_MIX
    else:
        mix, fixed = CLINIC_MIX, [Profession.DOCTOR]
    kinds, weights = zip(*mix, strict=True)
    return fixed + rng.choices(kinds, weights, k=max(facility.size - len(fixed), 0))


class _PersonMaker:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ids: set[str] = set()
        self.seq: dict[str, int] = defaultdict(int)
        self.regions = {c.name: c.id_regions for c in COUNTIES}
        self.county_code = {c.name: c.code for c in COUNTIES}

    def id_number(self, county: str, female: bool) -> tuple[str, date]:
        rng = self.rng
        while True:
            region = (
                rng.choice(self.regions[county])
                if rng.random() < 0.85
                else rng.choice(OTHER_ID_REGIONS)
            )
            birth = _day(rng, date(1960, 1, 1), date(2000, 12, 31))
            gender = rng.choice("02468" if female else "13579")
            first17 = f"{region}{birth:%Y%m%d}{rng.randint(0, 99):02d}{gender}"
            number = first17 + id_check_char(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number, birth

    def person(self, facility: FacilityPlan, profession: Profession) -> StaffPlan:
        rng = self.rng
        female = rng.random() < (0.92 if profession is Profession.NURSE else 0.45)
        number, birth = self.id_number(facility.county, female)
        letter = STAFF_LETTER[profession] + self.county_code[facility.county]
        self.seq[letter] += 1
        earliest = max(
            facility.agreement_start, birth.replace(year=birth.year + 22, day=1), date(2005, 1, 1)
        )
        start = _day(rng, earliest, max(earliest, LAST_START))
        return StaffPlan(
            staff_code=f"{letter}{self.seq[letter]:06d}",
            name=person_name(rng, female),
            id_number=number,
            profession=profession,
            practices=[(facility.site_code, start, facility.ended)],
        )


@cache
def plan_staff() -> tuple[StaffPlan, ...]:
    """About 3,000 people; roughly one in ten practising at two or three sites."""
    rng = random.Random(STAFF_SEED)
    maker = _PersonMaker(rng)
    facilities = plan_facilities()
    people: list[StaffPlan] = []
    home: dict[str, FacilityPlan] = {}
    for facility in facilities:
        for profession in _professions(rng, facility):
            person = maker.person(facility, profession)
            people.append(person)
            home[person.staff_code] = facility
    _add_second_sites(rng, people, home, facilities)
    return tuple(people)


def _add_second_sites(rng, people, home, facilities) -> None:
    movable = (Profession.DOCTOR, Profession.NURSE, Profession.TECHNICIAN)
    open_sites = [
        f
        for f in facilities
        if f.kind is not FacilityKind.PHARMACY and f.status is FacilityStatus.ACTIVE
    ]
    by_county: dict[str, list[FacilityPlan]] = defaultdict(list)
    for f in open_sites:
        by_county[f.county].append(f)
    candidates = [p for p in people if p.profession in movable and home[p.staff_code].ended is None]
    for person in rng.sample(candidates, round(len(people) * MULTI_SITE_SHARE)):
        own = home[person.staff_code]
        extra = 1 if rng.random() < 0.7 else 2
        pool = by_county[own.county] if rng.random() < 0.8 else open_sites
        for site in rng.sample([f for f in pool if f is not own], extra):
            earliest = max(person.practices[0][1], site.agreement_start)
            person.practices.append(
                (site.site_code, _day(rng, earliest, max(earliest, DEMO_TODAY)), None)
            )
