"""Penalty ranges (罚则幅度) per article of the fund-supervision regulation.

``penalty_range`` turns an article and the loss into the legal range of the fine (integer
fen), the refund, and any suspension; ``check_fine`` says when an entered fine falls outside
it. Pure functions over a TOML rulebook: the numbers are defaults a bureau can replace.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from scoring.rulebook import RULEBOOK_DIR, Entry, RulebookError, read_toml

DEFAULT_PENALTY_RULEBOOK = RULEBOOK_DIR / "penalties.toml"
FINE_KINDS = ("multiple", "fixed", "fraud_multiple")
#: Whom an article's penalties fall on: designated facilities (定点医药机构) or individuals
#: (参保人员等个人), as the handling results are split (scoring/data/handling_results.toml).
SUBJECTS = ("facility", "insured")
FEN_PER_YUAN = 100


@dataclass(frozen=True)
class SettlementSuspension:
    """Months of suspended direct settlement for insured persons, by loss (细则 Art 33)."""

    threshold_fen: int
    base_months: int
    step_fen: int
    step_months: int
    max_months: int
    fraud_months: int

    def months(self, loss_fen: int, fraud: bool) -> int:
        if fraud:
            return self.fraud_months
        if loss_fen < self.threshold_fen:
            return 0
        steps = (loss_fen - self.threshold_fen) // self.step_fen
        return min(self.max_months, self.base_months + steps * self.step_months)


@dataclass(frozen=True)
class ArticleRule:
    article: str
    title: str
    #: One of ``SUBJECTS``.
    applies_to: str
    refund: bool
    fine: str
    min_multiple: Decimal | None
    max_multiple: Decimal | None
    min_fen: int | None
    max_fen: int | None
    suspension_months: tuple[int, int] | None
    termination: bool
    settlement: SettlementSuspension | None
    note: str


@dataclass(frozen=True)
class PenaltyRules:
    version: str
    articles: dict[str, ArticleRule]
    leniency_note: str
    #: Where ``applies_to`` comes from.
    applies_to_note: str = ""

    def for_subject(self, subject: str) -> list[ArticleRule]:
        """The articles that may be applied to ``subject`` (one of ``SUBJECTS``), in file
        order."""
        return [a for a in self.articles.values() if a.applies_to == subject]


@dataclass(frozen=True)
class PenaltyRange:
    article: str
    title: str
    loss_fen: int
    refund_fen: int
    #: Fine bounds in fen; None when the article sets no fine for this case.
    fine_min_fen: int | None
    fine_max_fen: int | None
    suspension_months: tuple[int, int] | None
    settlement_months: int | None
    termination_possible: bool
    lenient: bool
    #: The range in words, one consequence per line.
    lines: tuple[str, ...]
    note: str


def _yuan(fen: int) -> str:
    whole, cents = divmod(fen, FEN_PER_YUAN)
    return f"{whole:,}.{cents:02d}元"


def _times(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _fen(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def load_penalty_rules(path: Path | str = DEFAULT_PENALTY_RULEBOOK) -> PenaltyRules:
    """Read and check the penalty rulebook; RulebookError names the bad entry."""
    root = Entry(read_toml(path), str(path))
    root.note()
    leniency = root.table("leniency")
    applies_to_note = root.table("applies_to").note()
    articles: dict[str, ArticleRule] = {}
    for entry in root.tables("articles"):
        article = entry.get("article", str)
        if article in articles:
            raise entry.fail("article", f"duplicate article {article!r}")
        applies_to = entry.get("applies_to", str)
        if applies_to not in SUBJECTS:
            raise entry.fail("applies_to", f"must be one of {SUBJECTS}")
        fine = entry.get("fine", str)
        if fine not in FINE_KINDS:
            raise entry.fail("fine", f"must be one of {FINE_KINDS}")
        min_multiple = max_multiple = None
        min_fen = max_fen = None
        if fine == "fixed":
            min_fen = entry.int("min_yuan", 0) * FEN_PER_YUAN
            max_fen = entry.int("max_yuan", 0) * FEN_PER_YUAN
            if min_fen > max_fen:
                raise entry.fail("min_yuan", "must not exceed max_yuan")
        else:
            min_multiple = Decimal(str(entry.get("min_multiple", (int, float))))
            max_multiple = Decimal(str(entry.get("max_multiple", (int, float))))
            if min_multiple < 0:
                raise entry.fail("min_multiple", "must not be negative")
            if min_multiple > max_multiple:
                raise entry.fail("min_multiple", "must not exceed max_multiple")
        suspension = None
        if "suspension_min_months" in entry.data or "suspension_max_months" in entry.data:
            low = entry.int("suspension_min_months", 1)
            high = entry.int("suspension_max_months", 1)
            if low > high:
                raise entry.fail("suspension_min_months", "must not exceed the maximum")
            suspension = (low, high)
        settlement = None
        if "settlement_suspension" in entry.data:
            s = entry.table("settlement_suspension")
            s.note()
            settlement = SettlementSuspension(
                threshold_fen=s.int("threshold_yuan", 0) * FEN_PER_YUAN,
                base_months=s.int("base_months", 0),
                step_fen=s.int("step_yuan", 1) * FEN_PER_YUAN,
                step_months=s.int("step_months", 0),
                max_months=s.int("max_months", 0),
                fraud_months=s.int("fraud_months", 0),
            )
        articles[article] = ArticleRule(
            article=article,
            title=entry.get("title", str),
            applies_to=applies_to,
            refund=entry.get("refund", bool),
            fine=fine,
            min_multiple=min_multiple,
            max_multiple=max_multiple,
            min_fen=min_fen,
            max_fen=max_fen,
            suspension_months=suspension,
            termination=entry.get("termination", bool),
            settlement=settlement,
            note=entry.note(),
        )
    if not articles:
        raise RulebookError(f"{path}: articles: at least one article is needed")
    return PenaltyRules(root.get("version", str), articles, leniency.note(), applies_to_note)


def penalty_range(
    rules: PenaltyRules,
    article: str,
    loss_fen: int,
    *,
    fraud: bool = False,
    self_corrected: bool = False,
) -> PenaltyRange:
    """The legal range for ``article`` given the loss (fen). ``fraud`` matters where the
    article fines only fraud (Art 41); ``self_corrected`` (on-time self-correction with full
    refund) allows a lighter penalty or none, so the lower bound drops to zero.

    Raises KeyError for an article the rulebook does not know, ValueError for a negative loss.
    """
    rule = rules.articles[article]
    if loss_fen < 0:
        raise ValueError("loss must not be negative")
    lines: list[str] = []
    refund = loss_fen if rule.refund else 0
    if refund:
        lines.append(f"责令退回医保基金 {_yuan(refund)}")
    fine_min = fine_max = None
    if rule.fine == "fixed":
        fine_min, fine_max = rule.min_fen, rule.max_fen
        lines.append(f"罚款 {_yuan(fine_min)} 至 {_yuan(fine_max)}")
    elif rule.fine == "multiple" or (rule.fine == "fraud_multiple" and fraud):
        fine_min = _fen(loss_fen * rule.min_multiple)
        fine_max = _fen(loss_fen * rule.max_multiple)
        lines.append(
            f"罚款为损失金额的 {_times(rule.min_multiple)}–{_times(rule.max_multiple)} 倍："
            f"{_yuan(fine_min)} 至 {_yuan(fine_max)}"
        )
    if rule.suspension_months:
        low, high = rule.suspension_months
        lines.append(f"情节严重的，暂停相关责任部门涉及医保基金使用的医药服务 {low}–{high} 个月")
    settlement_months = None
    if rule.settlement is not None:
        settlement_months = rule.settlement.months(loss_fen, fraud)
        if settlement_months:
            lines.append(f"暂停医疗费用联网结算 {settlement_months} 个月")
    if rule.termination:
        lines.append("情节严重的，可由经办机构解除定点服务协议")
    if self_corrected and fine_min is not None:
        fine_min = 0
        lines.append("按期自查自纠并足额退回：可从轻、减轻或免于处罚（罚款下限为0）")
    return PenaltyRange(
        article=rule.article,
        title=rule.title,
        loss_fen=loss_fen,
        refund_fen=refund,
        fine_min_fen=fine_min,
        fine_max_fen=fine_max,
        suspension_months=rule.suspension_months,
        settlement_months=settlement_months,
        termination_possible=rule.termination,
        lenient=self_corrected,
        lines=tuple(lines),
        note=rule.note,
    )


def check_fine(rng: PenaltyRange, fine_fen: int) -> str | None:
    """A warning when ``fine_fen`` is outside the legal range, else None."""
    if rng.fine_min_fen is None:
        if fine_fen > 0:
            return f"第{rng.article}条对此情形未规定罚款，请核对适用条款"
        return None
    if fine_fen < rng.fine_min_fen:
        return (
            f"罚款 {_yuan(fine_fen)} 低于第{rng.article}条规定的下限 {_yuan(rng.fine_min_fen)}"
            "（如属从轻、减轻或免于处罚，请在说明中写明依据）"
        )
    if rng.fine_max_fen is not None and fine_fen > rng.fine_max_fen:
        return f"罚款 {_yuan(fine_fen)} 超过第{rng.article}条规定的上限 {_yuan(rng.fine_max_fen)}"
    return None
