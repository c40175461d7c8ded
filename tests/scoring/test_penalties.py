from datetime import date

import pytest

from scoring.credit_rules import (
    DEFAULT_CREDIT_RULEBOOK,
    RulebookError,
    load_credit_rulebook,
    load_taxonomy,
)
from scoring.handling import DEFAULT_HANDLING_RESULTS, for_subject, load_handling_results
from scoring.penalties import (
    DEFAULT_PENALTY_RULEBOOK,
    check_fine,
    load_penalty_rules,
    penalty_range,
)
from tests.scoring.rulebook_helpers import edited_copy

RULES = load_penalty_rules()


def test_article_38_refund_plus_one_to_two_times_and_suspension():
    rng = penalty_range(RULES, "38", 1_234_567)
    assert rng.refund_fen == 1_234_567
    assert (rng.fine_min_fen, rng.fine_max_fen) == (1_234_567, 2_469_134)
    assert rng.suspension_months == (6, 12) and not rng.termination_possible
    assert check_fine(rng, 2_000_000) is None
    assert "上限" in check_fine(rng, 2_469_135)
    assert "下限" in check_fine(rng, 1_234_566)


def test_article_39_fixed_range_and_40_fraud():
    fixed = penalty_range(RULES, "39", 99_999_999)
    assert (fixed.fine_min_fen, fixed.fine_max_fen) == (1_000_000, 5_000_000)
    assert fixed.refund_fen == 0
    fraud = penalty_range(RULES, "40", 100_000)
    assert (fraud.fine_min_fen, fraud.fine_max_fen) == (200_000, 500_000)
    assert fraud.termination_possible


@pytest.mark.parametrize(
    ("loss_yuan", "fraud", "months"),
    [(999, False, 0), (1_000, False, 3), (1_099, False, 3), (1_100, False, 4),
     (1_899, False, 11), (1_900, False, 12), (50_000, False, 12), (10, True, 12)],
)  # fmt: skip
def test_article_41_settlement_suspension_schedule(loss_yuan, fraud, months):
    rng = penalty_range(RULES, "41", loss_yuan * 100, fraud=fraud)
    assert rng.settlement_months == months
    # Insured persons are fined only for fraud.
    assert (rng.fine_min_fen is not None) is fraud


def test_self_correction_drops_the_lower_bound():
    rng = penalty_range(RULES, "38", 10_000, self_corrected=True)
    assert rng.fine_min_fen == 0 and rng.lenient and check_fine(rng, 0) is None
    assert any("从轻" in line for line in rng.lines)


def test_no_fine_set_warns_on_a_fine():
    rng = penalty_range(RULES, "41", 500_000)
    assert rng.fine_min_fen is None and "未规定罚款" in check_fine(rng, 100)
    assert check_fine(rng, 0) is None


def test_unknown_article_and_negative_loss():
    with pytest.raises(KeyError):
        penalty_range(RULES, "99", 0)
    with pytest.raises(ValueError):
        penalty_range(RULES, "38", -1)


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("min_multiple = 1\n", "min_multiple = 3\n", r"articles\[0\]\.min_multiple"),
        ('fine = "fixed"', 'fine = "flat"', r"articles\[1\]\.fine"),
        ("max_yuan = 50000", "max_yuan = 5000", r"articles\[1\]\.min_yuan"),
        ("step_yuan = 100", 'step_yuan = "100"', r"settlement_suspension\.step_yuan"),
        ('applies_to = "insured"', 'applies_to = "everyone"', r"articles\[3\]\.applies_to"),
        ('applies_to = "facility"\n', "", r"articles\[0\]\.applies_to: missing"),
        ("[applies_to]\nnote", "[applies_to]\nsource", r"applies_to\.note: missing"),
    ],
)
def test_bad_penalty_rulebook_names_the_entry(tmp_path, old, new, where):
    with pytest.raises(RulebookError, match=where):
        load_penalty_rules(edited_copy(tmp_path, DEFAULT_PENALTY_RULEBOOK, old, new))


def test_articles_say_whom_they_apply_to():
    # Art 38-40 punish designated facilities; Art 41 punishes individuals (insured persons).
    assert [a.article for a in RULES.for_subject("facility")] == ["38", "39", "40"]
    assert [a.article for a in RULES.for_subject("insured")] == ["41"]
    assert "第41条" in RULES.applies_to_note


def test_each_category_defaults_to_an_article_for_its_subject():
    for category in load_taxonomy().values():
        wanted = "insured" if category.subject == "insured" else "facility"
        assert RULES.articles[category.article].applies_to == wanted, category.code


def test_handling_results_follow_annex_2():
    results = load_handling_results()
    facility = for_subject(results, "facility")
    assert [r.annex_row for r in facility] == list(range(1, 11))
    assert [r.label for r in facility][:3] == ["约谈限期整改", "通报批评", "暂停医保服务"]
    assert [r.code for r in facility if r.blacklist] == ["blacklist"]
    assert len(for_subject(results, "insured")) == 6


def test_bad_handling_file_names_the_entry(tmp_path):
    path = edited_copy(tmp_path, DEFAULT_HANDLING_RESULTS, "annex_row = 2\n", "annex_row = 1\n")
    with pytest.raises(RulebookError, match=r"facility\[1\]\.annex_row"):
        load_handling_results(path)


def test_credit_rulebook_appeal_and_self_correction_deadline(tmp_path):
    rb = load_credit_rulebook()
    assert rb.appeal_working_days == 15
    assert rb.self_correction_deadline_for(2026) == date(2026, 10, 31)
    text = DEFAULT_CREDIT_RULEBOOK.read_text(encoding="utf-8")
    path = tmp_path / "credit.toml"
    path.write_text(text.replace('deadline = "10-31"', 'deadline = "02-30"'), encoding="utf-8")
    with pytest.raises(RulebookError, match=r"self_correction\.deadline"):
        load_credit_rulebook(path)
    path.write_text(text.replace('deadline = "10-31"', 'deadline = "02-29"'), encoding="utf-8")
    assert load_credit_rulebook(path).self_correction_deadline_for(2026) == date(2026, 2, 28)
