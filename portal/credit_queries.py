"""Read queries for credit grades: history, grade changes, key-supervision lists and the
links from breakdown items to the records they came from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from portal.credit_notes import override_held, worst_cap_grade
from portal.extensions import db
from portal.models.credit import APPROVE_TRIGGER, CreditGrade
from portal.models.enums import FacilityStatus
from portal.models.facility import Facility
from portal.models.inspections import Finding
from portal.models.pledge_extras import PledgePostingCheck
from portal.models.points import PointRecord
from portal.queries import facility_search
from portal.rules import credit_rulebook, penalty_rules
from scoring.credit import AdjustmentFact, CreditResult, Item
from scoring.credit_outlook import Step, outlook
from scoring.penalties import PenaltyRange, check_fine, penalty_range


def history_stmt(facility_id: int) -> Select:
    return (
        select(CreditGrade)
        .where(CreditGrade.facility_id == facility_id)
        .order_by(CreditGrade.id.desc())
    )


def grade_changes(facility_id: int, limit: int = 20) -> list[CreditGrade]:
    """Computations that changed the grade, newest first (the events a facility sees)."""
    return list(
        db.session.scalars(
            history_stmt(facility_id)
            .where(CreditGrade.grade.is_distinct_from(CreditGrade.previous_grade))
            .limit(limit)
        )
    )


def chart_rows(facility_id: int, limit: int = 400) -> list[tuple]:
    """(computed_at, score, grade) of graded computations, oldest first."""
    rows = db.session.execute(
        select(CreditGrade.computed_at, CreditGrade.score, CreditGrade.grade)
        .where(CreditGrade.facility_id == facility_id, CreditGrade.graded)
        .order_by(CreditGrade.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def key_grades() -> list[str]:
    """Grades under key supervision: those the rulebook samples more than normally."""
    rb = credit_rulebook()
    return [b.grade for b in rb.grades if rb.supervision[b.grade].sampling_weight > 1]


def is_supervised(facility: Facility) -> bool:
    """Whether the facility is supervised by its grade as a designated facility. One whose
    agreement is terminated is not: it keeps its grade (capped at the worst), but has no
    supervision measures and is on no supervision list."""
    return facility.status is not FacilityStatus.TERMINATED


def _supervised_search(county: str, kind: str, q: str) -> Select:
    """``facility_search`` among the facilities :func:`is_supervised` holds for."""
    return facility_search(q=q, county=county, kind=kind).where(
        Facility.status != FacilityStatus.TERMINATED
    )


def key_supervision_stmt(county: str = "", kind: str = "", q: str = "") -> Select:
    """Supervised facilities whose current grade is one of the :func:`key_grades`."""
    return _supervised_search(county, kind, q).where(Facility.credit_grade.in_(key_grades()))


def _last_grade_in_cycle(cycle: int):
    """The grade of the facility's last graded computation in ``cycle`` (correlated)."""
    return (
        select(CreditGrade.grade)
        .where(
            CreditGrade.facility_id == Facility.id,
            CreditGrade.cycle == cycle,
            CreditGrade.graded,
        )
        .order_by(CreditGrade.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def termination_cycles(current_cycle: int) -> tuple[int, ...]:
    """The completed cycles the termination rule counts while ``current_cycle`` is under
    way, oldest first: the rulebook's ``d_cycles_for_termination`` cycles before it. The
    cycle under way is never among them: its grade is provisional until it ends."""
    n = credit_rulebook().d_cycles_for_termination
    return tuple(range(current_cycle - n, current_cycle))


def _worst_in_each(stmt: Select, cycles: Iterable[int]) -> Select:
    worst = credit_rulebook().grades[-1].grade
    for cycle in cycles:
        stmt = stmt.where(_last_grade_in_cycle(cycle) == worst)
    return stmt


def worst_streak_stmt(current_cycle: int, county: str = "", kind: str = "", q: str = "") -> Select:
    """Agreement termination candidates: supervised facilities (:func:`is_supervised`)
    whose last grade was the worst grade in each of the :func:`termination_cycles`, the
    rulebook's ``d_cycles_for_termination`` completed cycles before ``current_cycle``.
    ``current_cycle`` is the cycle under way: its grade is provisional, and
    :func:`worst_streak_risk_stmt` lists it apart."""
    stmt = _supervised_search(county, kind, q)
    return _worst_in_each(stmt, termination_cycles(current_cycle))


def worst_streak_risk_stmt(
    current_cycle: int, county: str = "", kind: str = "", q: str = ""
) -> Select:
    """Supervised facilities at risk of becoming termination candidates when
    ``current_cycle`` ends: the worst grade in each of the last
    ``d_cycles_for_termination - 1`` completed cycles and, so far, in ``current_cycle`` (its
    last grade, provisional while the cycle is under way). Facilities already candidates
    (:func:`worst_streak_stmt`) are left out, so a facility is on one list or the other.

    With ``d_cycles_for_termination`` 1 no completed cycle is required: every facility
    whose grade in the cycle under way is the worst one is at risk, unless its last
    completed cycle already makes it a candidate."""
    worst = credit_rulebook().grades[-1].grade
    counted = termination_cycles(current_cycle)
    stmt = _supervised_search(county, kind, q)
    stmt = _worst_in_each(stmt, (*counted[1:], current_cycle))
    return stmt.where(_last_grade_in_cycle(counted[0]).is_distinct_from(worst))


def source_links(items: list[dict], url_for_type) -> dict[tuple[str, int], str]:
    """Map (source_type, source_id) to a URL using ``url_for_type(type, id, extra)``; point
    records link through their staff member."""
    record_ids = [i["source_id"] for i in items if i.get("source_type") == "point_record"]
    staff_of = {}
    if record_ids:
        staff_of = dict(
            db.session.execute(
                select(PointRecord.id, PointRecord.staff_id).where(PointRecord.id.in_(record_ids))
            ).all()
        )
    links = {}
    for item in items:
        key = (item.get("source_type"), item.get("source_id"))
        if key[0] is None:
            continue
        url = url_for_type(key[0], key[1], staff_of.get(key[1]))
        if url:
            links[key] = url
    return links


def source_references(items: list[dict], facility_id: int | None) -> dict[tuple[str, int], str]:
    """The decision number of each finding and point record the items name (the day of
    each posting check), by (source type, source id): the number people know a decision
    by, where a database id means nothing. With ``facility_id`` (the facility's own
    page), only that facility's: a person's points decided at another facility keep their
    id (what they were for is that facility's business); the bureau sees every number."""
    wanted = {
        kind: {i["source_id"] for i in items if i.get("source_type") == kind}
        for kind in ("finding", "point_record", "posting_check")
    }
    references = {}
    for kind, model, column in (
        ("finding", Finding, Finding.decision_number),
        ("point_record", PointRecord, PointRecord.reference),
        # A posting check is known by the day of the visit.
        ("posting_check", PledgePostingCheck, PledgePostingCheck.checked_on),
    ):
        if not wanted[kind]:
            continue
        stmt = select(model.id, column).where(model.id.in_(wanted[kind]))
        if facility_id is not None:
            stmt = stmt.where(model.facility_id == facility_id)
        rows = db.session.execute(stmt)
        references.update(((kind, i), str(number)) for i, number in rows if number)
    return references


@dataclass(frozen=True)
class CreditView:
    """What a credit page shows beyond the stored row: the outlook to the next grade."""

    result: CreditResult
    next_grade: str | None
    #: None when no score lifts the grade this cycle (a cap or a grade adjustment).
    points_needed: object
    next_cycle_score: object
    next_cycle_grade: str | None
    expiring: tuple[Item, ...]
    blocked_by_caps: tuple[str, ...]
    #: (item, its steps) for each of ``expiring``.
    expiring_steps: tuple[tuple[Item, tuple[Step, ...]], ...] = ()
    #: The grade the score alone gives.
    score_grade: str | None = None
    #: The approved adjustment setting the grade this cycle, if any.
    override: AdjustmentFact | None = None
    #: The override's grade is better than a cap allows: the cap holds the grade.
    override_held: bool = False
    #: (cap, cap grade, day it lifts or None) for each cap applied.
    cap_lifts: tuple[tuple[str, str, date | None], ...] = ()
    #: The grade the caps hold the facility to (None without caps).
    cap_grade: str | None = None


def credit_view(facility: Facility, today: date) -> CreditView:
    """Compute afresh (read only, nothing stored) to explain what would lift the grade."""
    from portal.operations.credit import collect_facts
    from scoring.credit import compute_facility_score

    rb = credit_rulebook()
    facts = collect_facts(facility, today)
    result = compute_facility_score(facts, today, rb)
    view = outlook(facts, result, rb)
    override = view.override
    caps = tuple((cap, rb.caps[cap], on) for cap, on in view.cap_lifts)
    return CreditView(
        result,
        view.next_grade,
        view.points_needed,
        view.next_cycle_score,
        view.next_cycle_grade,
        view.expiring,
        view.blocked_by_caps,
        tuple(zip(view.expiring, view.schedules, strict=True)),
        view.score_grade,
        override,
        override is not None and override_held(rb, override.grade, result.grade),
        caps,
        worst_cap_grade(caps),
    )


CAP_LABELS = {
    "fraud": _l("本周期存在经认定的欺诈骗保行为"),
    "terminated": _l("定点协议已解除"),
    "blacklisted": _l("已列入医保黑名单"),
}


#: The handling result that is an administrative penalty, the decision a fine belongs to.
PENALTY_RESULT = "administrative_penalty"


def penalty_preview(
    article: str,
    loss_fen: int,
    fine_fen: int | None,
    *,
    fraud: bool,
    self_corrected: bool,
    results: Iterable[str] | None = None,
) -> tuple[PenaltyRange | None, str | None]:
    """The legal range for the article and a warning if the fine is outside it. With
    ``results`` (the handling results chosen), no fine where no administrative penalty
    was decided (a talk, say) is not a fine below the range."""
    if not article or article not in penalty_rules().articles or loss_fen is None:
        return None, None
    rng = penalty_range(
        penalty_rules(), article, loss_fen, fraud=fraud, self_corrected=self_corrected
    )
    if not fine_fen and results is not None and PENALTY_RESULT not in results:
        return rng, None
    warning = check_fine(rng, fine_fen) if fine_fen is not None else None
    return rng, warning


SOURCE_NAMES = {
    "finding": _l("违规认定"),
    "point_record": _l("人员记分"),
    "adjustment": _l("人工调整"),
    "pledge": _l("信用承诺"),
    "posting_check": _l("承诺书张贴检查"),
    "tipoff": _l("举报线索"),
}
TRIGGER_LABELS = {
    "batch": _l("批量计算"),
    "manual": _l("手动重算"),
    "finding.confirm": _l("违规认定"),
    "pledge.verify": _l("承诺书核验通过"),
    "pledge.reject": _l("承诺书退回"),
    "pledge.posting": _l("承诺书未张贴"),
    "finding.revoke": _l("撤销违规认定"),
    APPROVE_TRIGGER: _l("人工调整获批"),
    "appeal.upheld": _l("异议成立"),
    "repair.decide": _l("信用修复决定"),
    "points.record": _l("人员记分"),
    "points.revoke": _l("撤销人员记分"),
    "points.restore": _l("人员记分修复"),
    "facility.update": _l("机构信息变更"),
}


def credit_context() -> dict:
    """Label tables every credit template uses."""
    return {
        "source_names": SOURCE_NAMES,
        "trigger_labels": TRIGGER_LABELS,
        "cap_labels": CAP_LABELS,
    }
