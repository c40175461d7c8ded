"""The facility credit rulebook (TOML) and the violation taxonomy, loaded and checked."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from scoring.rulebook import RULEBOOK_DIR, Entry, RulebookError, read_toml

DEFAULT_CREDIT_RULEBOOK = RULEBOOK_DIR / "credit.toml"
DEFAULT_TAXONOMY = Path(__file__).with_name("data") / "violations.toml"
FINDING_CLASSES = ("minor", "general", "serious", "fraud")
CAPS = ("fraud", "terminated", "blacklisted")
SUBJECT_KINDS = ("institution", "pharmacy", "insured")


@dataclass(frozen=True)
class GradeBand:
    grade: str
    min: int
    label: str


@dataclass(frozen=True)
class Supervision:
    grade: str
    sampling_weight: Decimal
    inspections_per_year: int
    label: str


@dataclass(frozen=True)
class CreditRulebook:
    version: str
    base: int
    grades: tuple[GradeBand, ...]
    min_agreement_months: int
    deductions: dict[str, int]
    amount_per_fen: int
    amount_points: int
    amount_max_points: int
    self_correction_percent: int
    decay_percents: tuple[int, ...]
    pledge_not_filed: int
    pledge_not_posted: int
    staff_per_suspended: int
    staff_per_terminated: int
    tipoff_per_verified: int
    caps: dict[str, str]
    repair_months_clean: int
    repair_requires_new_pledge: bool
    repair_decision_working_days: int
    d_cycles_for_termination: int
    supervision: dict[str, Supervision]
    notes: dict[str, str]
    #: Working days the bureau has to decide a facility's objection (异议).
    appeal_working_days: int = 15
    #: (month, day) of the cycle year by which a self-inspection report is on time.
    self_correction_deadline: tuple[int, int] = (10, 31)
    #: Results the engine works out once per rulebook (breakdown lines of findings alike,
    #: grade ranks). Not an argument: a rulebook made with ``dataclasses.replace`` starts
    #: with its own, empty (the results of the one it was made from may not hold).
    memo: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def self_correction_deadline_for(self, cycle: int) -> date:
        month, day = self.self_correction_deadline
        return date(cycle, month, min(day, calendar.monthrange(cycle, month)[1]))

    def grade_for(self, score: Decimal) -> str:
        for band in self.grades:
            if score >= band.min:
                return band.grade
        return self.grades[-1].grade

    def band(self, grade: str) -> GradeBand:
        return next(b for b in self.grades if b.grade == grade)

    def grade_rank(self, grade: str) -> int:
        """0 for the best grade, larger is worse. ValueError for a grade not in the
        rulebook. (Looked up in a table made once: a batch asks for thousands.)"""
        ranks = self.memo.get("grade_ranks")
        if ranks is None:
            ranks = self.memo["grade_ranks"] = {b.grade: i for i, b in enumerate(self.grades)}
        try:
            return ranks[grade]
        except KeyError:
            raise ValueError(f"{grade!r} is not a grade of the rulebook") from None


def load_credit_rulebook(path: Path | str = DEFAULT_CREDIT_RULEBOOK) -> CreditRulebook:
    """Read and check a credit rulebook; RulebookError names the bad entry."""
    root = Entry(read_toml(path), str(path))
    notes = {"rulebook": root.note()}
    scale = root.table("scale")
    base = scale.int("base", 1)
    notes["scale"] = scale.note()
    bands = []
    for entry in root.tables("grades"):
        minimum = entry.int("min", 0)
        if minimum > base:
            raise entry.fail("min", f"exceeds the base score {base}")
        bands.append(GradeBand(entry.get("grade", str), minimum, entry.get("label", str)))
        notes[f"grades.{bands[-1].grade}"] = entry.note()
    if not bands:
        raise RulebookError(f"{path}: grades: at least one band is needed")
    mins = [b.min for b in bands]
    if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
        raise RulebookError(f"{path}: grades: 'min' must strictly decrease, best grade first")
    if mins[-1] != 0:
        raise RulebookError(f"{path}: grades: the last band must start at 0")
    grade_names = {b.grade for b in bands}
    eligibility = root.table("eligibility")
    deductions_entry = root.table("deductions")
    deductions = {c: deductions_entry.int(c, 0) for c in FINDING_CLASSES}
    amount = root.table("amount")
    self_correction = root.table("self_correction")
    percent = self_correction.int("percent", 0)
    if percent > 100:
        raise self_correction.fail("percent", "must be between 0 and 100")
    deadline = _month_day(self_correction, "deadline")
    decay = root.table("decay")
    percents = decay.get("percents", list)
    if (
        not percents
        or not all(
            isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 100 for p in percents
        )
        or percents[0] != 100
        or percents != sorted(percents, reverse=True)
    ):
        raise decay.fail("percents", "must be integers 0–100, starting at 100, not increasing")
    pledge = root.table("pledge")
    staff = root.table("staff")
    tipoffs = root.table("tipoffs")
    caps_entry = root.table("caps")
    caps = {}
    for cap in CAPS:
        grade = caps_entry.get(cap, str)
        if grade not in grade_names:
            raise caps_entry.fail(cap, f"unknown grade {grade!r}")
        caps[cap] = grade
    repair = root.table("repair")
    appeal = root.table("appeal")
    consequences = root.table("consequences")
    supervision = {}
    for entry in root.tables("supervision"):
        grade = entry.get("grade", str)
        if grade not in grade_names:
            raise entry.fail("grade", f"unknown grade {grade!r}")
        weight = entry.get("sampling_weight", (int, float))
        if weight < 0:
            raise entry.fail("sampling_weight", "must not be negative")
        supervision[grade] = Supervision(
            grade,
            Decimal(str(weight)),
            entry.int("inspections_per_year", 0),
            entry.get("label", str),
        )
        entry.note()
    missing = grade_names - set(supervision)
    if missing:
        raise RulebookError(f"{path}: supervision: no entry for grade(s) {sorted(missing)}")
    for name, entry in (
        ("eligibility", eligibility),
        ("cycle", root.table("cycle")),
        ("deductions", deductions_entry),
        ("amount", amount),
        ("self_correction", self_correction),
        ("decay", decay),
        ("pledge", pledge),
        ("staff", staff),
        ("tipoffs", tipoffs),
        ("caps", caps_entry),
        ("repair", repair),
        ("appeal", appeal),
        ("consequences", consequences),
    ):
        notes[name] = entry.note()
    return CreditRulebook(
        version=root.get("version", str),
        base=base,
        grades=tuple(bands),
        min_agreement_months=eligibility.int("min_agreement_months", 0),
        deductions=deductions,
        amount_per_fen=amount.int("per_fen", 1),
        amount_points=amount.int("points", 0),
        amount_max_points=amount.int("max_points", 0),
        self_correction_percent=percent,
        decay_percents=tuple(percents),
        pledge_not_filed=pledge.int("not_filed", 0),
        pledge_not_posted=pledge.int("not_posted", 0),
        staff_per_suspended=staff.int("per_suspended", 0),
        staff_per_terminated=staff.int("per_terminated", 0),
        tipoff_per_verified=tipoffs.int("per_verified", 0),
        caps=caps,
        repair_months_clean=repair.int("months_clean", 0),
        repair_requires_new_pledge=repair.get("require_new_pledge", bool),
        repair_decision_working_days=repair.int("decision_working_days", 1),
        d_cycles_for_termination=consequences.int("d_cycles_for_termination", 1),
        supervision=supervision,
        notes=notes,
        appeal_working_days=appeal.int("working_days", 1),
        self_correction_deadline=deadline,
    )


def _month_day(entry: Entry, key: str) -> tuple[int, int]:
    text = entry.get(key, str)
    match = re.fullmatch(r"(\d{1,2})-(\d{1,2})", text.strip())
    if not match:
        raise entry.fail(key, f"expected MM-DD, got {text!r}")
    month, day = int(match.group(1)), int(match.group(2))
    try:
        date(2000, month, day)  # a leap year: 02-29 is allowed and clamped in other years
    except ValueError as exc:
        raise entry.fail(key, f"no such day {text!r}") from exc
    return month, day


@dataclass(frozen=True)
class ViolationCategory:
    subject: str
    code: str
    label: str
    annex_row: int
    cls: str
    article: str


def load_taxonomy(path: Path | str = DEFAULT_TAXONOMY) -> dict[str, ViolationCategory]:
    """Violation categories by code; codes are unique across subject kinds."""
    root = Entry(read_toml(path), str(path))
    categories: dict[str, ViolationCategory] = {}
    for subject in SUBJECT_KINDS:
        for entry in root.tables(subject):
            code = entry.get("code", str)
            if code in categories:
                raise entry.fail("code", f"duplicate code {code!r}")
            cls = entry.get("class", str)
            if cls not in FINDING_CLASSES:
                raise entry.fail("class", f"must be one of {FINDING_CLASSES}")
            categories[code] = ViolationCategory(
                subject,
                code,
                entry.get("label", str),
                entry.int("annex_row", 1),
                cls,
                entry.get("article", str),
            )
    return categories
