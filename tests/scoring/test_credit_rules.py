"""The credit rulebook and the violation taxonomy as loaded: entries checked on load, and
what the rulebook works out once (grade ranks, breakdown lines)."""

from dataclasses import replace
from datetime import date

import pytest

from scoring.credit import FacilityFacts, FindingFact, compute_facility_score
from scoring.credit_rules import (
    DEFAULT_CREDIT_RULEBOOK,
    RulebookError,
    load_credit_rulebook,
    load_taxonomy,
)
from tests.scoring.rulebook_helpers import edited_copy

RB = load_credit_rulebook()


def test_taxonomy_has_every_subject_and_class():
    taxonomy = load_taxonomy()
    assert {c.subject for c in taxonomy.values()} == {"institution", "pharmacy", "insured"}
    assert taxonomy["fictitious_service"].cls == "fraud"
    assert taxonomy["stock_mismatch"].subject == "pharmacy"


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("min = 80", "min = 95", "grades"),
        ("percents = [100, 50, 0]", "percents = [50, 100]", r"decay\.percents"),
        ('fraud = "D"\nterminated', 'fraud = "Z"\nterminated', r"caps\.fraud"),
        ("serious = 10", 'serious = "ten"', r"deductions\.serious"),
    ],
)
def test_bad_rulebook_names_the_entry(tmp_path, old, new, where):
    with pytest.raises(RulebookError, match=where):
        load_credit_rulebook(edited_copy(tmp_path, DEFAULT_CREDIT_RULEBOOK, old, new))


def test_grade_ranks_follow_the_rulebooks_bands():
    assert [RB.grade_rank(b.grade) for b in RB.grades] == list(range(len(RB.grades)))
    with pytest.raises(ValueError, match="'E'"):
        RB.grade_rank("E")
    # A rulebook made from another, with its bands the other way round, ranks by its own.
    reversed_bands = replace(RB, grades=tuple(reversed(RB.grades)))
    assert reversed_bands.grade_rank(RB.grades[0].grade) == len(RB.grades) - 1
    assert RB.grade_rank(RB.grades[0].grade) == 0


def test_a_rulebook_made_from_another_works_its_lines_out_anew():
    day = date(2025, 5, 1)  # last cycle's finding: counted at the second decay step
    facts = FacilityFacts(1, date(2020, 1, 1), findings=(
        FindingFact(1, "improper_charging", "分解收费", "general", day),))  # fmt: skip
    as_of = date(2026, 11, 20)
    before = compute_facility_score(facts, as_of, RB).score
    halved = replace(RB, decay_percents=(100, 20, 0))
    assert RB.decay_percents[1] != 20 and halved.memo == {}
    assert compute_facility_score(facts, as_of, halved).score == 100 - RB.deductions["general"] / 5
    assert compute_facility_score(facts, as_of, RB).score == before
