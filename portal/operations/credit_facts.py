"""Gathering the credit engine's facts from stored rows.

``collect_facts_many`` is the one place that turns stored rows into ``FacilityFacts``
(pledge filing checks and verified tip-offs join it when those records exist). A batch of
facilities costs a fixed handful of Core queries (plain tuples, no ORM objects), never one
per facility or per row.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date
from itertools import groupby
from operator import itemgetter

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models.credit import AdjustmentStatus, CreditAdjustment, CreditRepair, RepairStatus
from portal.models.enums import FacilityStatus
from portal.models.inspections import Finding, FindingStatus
from portal.models.points import PointRecord, PointRestoration
from portal.models.staff import StaffMember
from portal.models.user import User
from portal.operations.bulk import id_filters, in_filters, plain_rows, run_core, stream_rows
from portal.operations.pledges import pledge_credit_facts_many
from portal.rules import credit_rulebook, staff_points_rulebook, taxonomy
from scoring import staff_points as points_engine
from scoring.credit import (
    AdjustmentFact,
    FacilityFacts,
    FindingFact,
    RepairFact,
    StaffSanctionFact,
)
from scoring.credit_rules import CreditRulebook

log = logging.getLogger(__name__)
STAFF_SANCTIONS = ("suspend", "terminate")
# Aliases made once: SQLAlchemy remembers how it adapted each alias's columns, so building
# a batch's statements with the same alias objects costs a fraction of fresh ones.
_PROPOSER, _APPROVER = aliased(User), aliased(User)
_HERE, _ANYONE = aliased(PointRecord), aliased(PointRecord)


def findings_horizon(as_of: date, rb: CreditRulebook) -> date:
    """Findings decided before this day no longer count: the decay table gives them 0%."""
    counted = max(age for age, percent in enumerate(rb.decay_percents) if percent > 0)
    return date(as_of.year - counted, 1, 1)


def facility_row(facility) -> tuple:
    """The columns of ``facility`` that ``collect_facts_many`` takes."""
    return (facility.id, facility.agreement_start, facility.status, facility.blacklisted)


def collect_facts(facility, as_of: date) -> FacilityFacts:
    """The engine's facts about one facility on ``as_of``."""
    return collect_facts_many([facility_row(facility)], as_of)[facility.id]


#: The columns ``collect_facts_many`` reads of each facility row, and its id.
_FACILITY_FACTS = itemgetter(0, 1, 2, 3)
_FACILITY_ID = itemgetter(0)


def collect_facts_many(facilities: Sequence[tuple], as_of: date) -> dict[int, FacilityFacts]:
    """Facts for many facilities, each a row that starts (id, agreement_start, status,
    blacklisted): a batch's plain rows, or ``facility_row`` of one."""
    rows = sorted({row[0]: row for row in facilities}.values(), key=_FACILITY_ID)
    return {row[0]: facts for row, facts in iter_facts(rows, as_of)}


def iter_facts(facilities: Sequence[tuple], as_of: date) -> Iterator[tuple[tuple, FacilityFacts]]:
    """(row, facts) of each facility of ``collect_facts_many``, whose rows come here in
    ascending id order (a batch's are). Findings are read as they come, a facility at a
    time: a batch never holds all of its facilities' findings at once, so its memory is
    reused facility after facility instead of growing by tens of MiB."""
    ids = [f[0] for f in facilities]
    if any(a >= b for a, b in zip(ids, ids[1:], strict=False)):
        raise ValueError("iter_facts takes facilities in ascending id order, each once")
    db.session.flush()  # the queries below run on the connection, without autoflush
    rb = credit_rulebook()
    wanted = set(ids)
    repairs = _repair_facts(ids, wanted, as_of)
    adjustments = _adjustment_facts(ids, wanted, as_of)
    sanctions = _staff_sanction_facts(ids, wanted, as_of)
    pledges = pledge_credit_facts_many(ids, as_of)
    # Both in id order: the next facility with findings is the one at hand, or a later one.
    groups = _finding_groups(ids, wanted, as_of, rb)
    pending = next(groups, None)
    terminated = FacilityStatus.TERMINATED
    for row in facilities:
        fid, start, status, blacklisted = _FACILITY_FACTS(row)
        found = ()
        if pending is not None and pending[0] == fid:
            found = pending[1]
            pending = next(groups, None)
        # Positional: a batch builds thousands (the fields are FacilityFacts' in order;
        # tip-offs join once verified tip-offs are recorded in the portal).
        yield row, FacilityFacts(
            fid, start, status == terminated, bool(blacklisted), tuple(found),
            tuple(pledges.get(fid, ())), tuple(sanctions.get(fid, ())), (),
            tuple(repairs.get(fid, ())), tuple(adjustments.get(fid, ())),
        )  # fmt: skip


def _finding_groups(ids, wanted, as_of, rb) -> Iterator[tuple[int, list[FindingFact]]]:
    """(facility id, its counted findings) for the facilities that have any, in facility
    order, read from the database as they come."""
    # (label, class) by category code: a batch turns hundreds of thousands of rows into
    # facts, so this loop stays lean (plain driver rows, tuples built directly).
    categories = {code: (c.label, c.cls) for code, c in taxonomy().items()}
    start = findings_horizon(as_of, rb)
    make, fact = tuple.__new__, FindingFact
    for where in id_filters(Finding.facility_id, ids):
        rows = stream_rows(
            select(
                Finding.id,
                Finding.facility_id,
                Finding.category,
                Finding.decision_date,
                Finding.amount_involved_fen,
                Finding.self_corrected,
            )
            .where(
                where,
                Finding.status == FindingStatus.CONFIRMED,
                Finding.decision_date >= start,
                Finding.decision_date <= as_of,
            )
            # The covering index's order (ix_finding_credit), which is the engine's too.
            .order_by(Finding.facility_id, Finding.decision_date, Finding.id)
        )
        for facility_id, group in groupby(rows, key=_FACILITY_OF_FINDING):
            if facility_id not in wanted:
                continue
            facts = []
            append = facts.append
            for fid, _facility, code, decided, amount, corrected in group:
                label_cls = categories.get(code)
                if label_cls is None:
                    # The taxonomy file was replaced without this code: count it as general.
                    log.warning("finding %s has unknown category %r", fid, code)
                    label_cls = (code, "general")
                append(
                    make(fact, (fid, code, label_cls[0], label_cls[1], decided, amount, corrected))
                )
            yield facility_id, facts


_FACILITY_OF_FINDING = itemgetter(1)


def _repair_facts(ids, wanted, as_of) -> dict[int, list[RepairFact]]:
    """Granted repairs, each with the findings decided by its grant day but confirmed
    only after it was granted (which it does not cover): an outer join, nearly always
    empty."""
    later = (
        (Finding.facility_id == CreditRepair.facility_id)
        & (Finding.status == FindingStatus.CONFIRMED)
        & (Finding.decision_date <= CreditRepair.granted_on)
        & (Finding.confirmed_at > CreditRepair.decided_at)
    )
    repairs: dict[int, tuple[int, date, list[int]]] = {}
    for where in id_filters(CreditRepair.facility_id, ids):
        for rid, facility_id, granted, finding_id in run_core(
            select(CreditRepair.id, CreditRepair.facility_id, CreditRepair.granted_on, Finding.id)
            .outerjoin(Finding, later)
            .where(
                where,
                CreditRepair.status == RepairStatus.GRANTED,
                CreditRepair.granted_on <= as_of,
            )
            .order_by(CreditRepair.id)
        ):
            if facility_id in wanted:
                entry = repairs.setdefault(rid, (facility_id, granted, []))
                if finding_id is not None:
                    entry[2].append(finding_id)
    out: dict[int, list[RepairFact]] = defaultdict(list)
    for rid, (facility_id, granted, confirmed_after) in repairs.items():
        out[facility_id].append(RepairFact(rid, granted, frozenset(confirmed_after)))
    return out


def repair_facts(facility_id: int, as_of: date) -> list[RepairFact]:
    """The granted repairs of one facility on ``as_of``, as the engine takes them."""
    return _repair_facts([facility_id], {facility_id}, as_of).get(facility_id, [])


def _adjustment_facts(ids, wanted, as_of) -> dict[int, list[AdjustmentFact]]:
    proposer, approver = _PROPOSER, _APPROVER
    out: dict[int, list[AdjustmentFact]] = defaultdict(list)
    for where in id_filters(CreditAdjustment.facility_id, ids):
        rows = run_core(
            select(
                CreditAdjustment.id,
                CreditAdjustment.facility_id,
                CreditAdjustment.approved_on,
                CreditAdjustment.reason,
                proposer.display_name,
                approver.display_name,
                CreditAdjustment.points,
                CreditAdjustment.grade,
                CreditAdjustment.decided_at,
            )
            .join(proposer, proposer.id == CreditAdjustment.proposed_by_id)
            .join(approver, approver.id == CreditAdjustment.decided_by_id)
            .where(
                where,
                CreditAdjustment.status == AdjustmentStatus.APPROVED,
                CreditAdjustment.approved_on >= date(as_of.year, 1, 1),
                CreditAdjustment.approved_on <= as_of,
            )
        )
        for aid, facility_id, on, reason, by, ok_by, points, grade, at in rows:
            if facility_id in wanted:
                out[facility_id].append(
                    AdjustmentFact(aid, on, reason, by, ok_by, points, grade, at)
                )
    return out


def standings_many(staff_ids: Sequence[int], as_of: date) -> dict[int, points_engine.Standing]:
    """Standing through the staff-points engine from Core rows: the same result as
    ``portal.operations.points.standings_for`` without loading ORM objects."""
    records: dict[int, list] = defaultdict(list)
    restorations: dict[int, list] = defaultdict(list)
    for where in in_filters(PointRecord.staff_id, staff_ids):
        # Plain driver rows (a batch reads tens of thousands): whether a record is revoked
        # comes as a boolean, not as its time.
        for sid, rid, day, points, revoked in plain_rows(
            select(
                PointRecord.staff_id,
                PointRecord.id,
                PointRecord.decided_on,
                PointRecord.points,
                PointRecord.revoked_at.is_not(None),
            ).where(where)
        ):
            records[sid].append(points_engine.PointRecord(rid, day, points, bool(revoked)))
    for where in in_filters(PointRestoration.staff_id, staff_ids):
        for sid, rid, day, points in run_core(
            select(
                PointRestoration.staff_id,
                PointRestoration.id,
                PointRestoration.granted_on,
                PointRestoration.points,
            ).where(where)
        ):
            restorations[sid].append(points_engine.Restoration(rid, day, points))
    rb = staff_points_rulebook()
    return {
        sid: points_engine.compute_standing(records[sid], restorations[sid], as_of, rb)
        for sid in staff_ids
    }


def _lowest_sanction() -> int:
    """Points in a cycle at which the first suspension or termination can arise."""
    rb = staff_points_rulebook()
    suspend = [t.at for t in rb.thresholds if t.action is points_engine.SanctionKind.SUSPEND]
    return min([*suspend, rb.terminate_at, rb.single_record_at])


#: From this many facilities on, the people who reach a sanction are found once over the
#: cycle's point records rather than person by person (a batch: 16 ms against 10 ms for
#: 5,000 facilities; one facility: a few index probes against reading the whole cycle).
HEAVY_FIRST_FROM = 500


def _staff_sanction_facts(ids, wanted, as_of) -> dict[int, list[StaffSanctionFact]]:
    """Suspensions and terminations this cycle of people with live point records at the
    facility this cycle, counted where those records helped reach the threshold.

    One query per batch finds the (facility, person) pairs that matter: the person's
    earliest live record at the facility this cycle, for people whose live points this
    cycle reach the lowest sanction (restorations only ever lower a total); their standing
    comes from the staff-points engine. For a few facilities the total is a subquery per
    pair on the staff_id index, a plan that stays linear even as a generic prepared plan;
    for many (``HEAVY_FIRST_FROM``) the people over it are found once, in a materialized
    CTE (not merged into the join, whose grouped side was estimated at one row and
    rescanned per pair)."""
    out: dict[int, list[StaffSanctionFact]] = defaultdict(list)
    here, anyone = _HERE, _ANYONE

    def live(record):
        return (
            record.revoked_at.is_(None),
            record.decided_on >= date(as_of.year, 1, 1),
            record.decided_on <= as_of,
        )

    first_record: dict[tuple[int, int], date] = {}
    many = len(ids) >= HEAVY_FIRST_FROM
    for where in id_filters(here.facility_id, ids):
        if many:
            # Many facilities: the people whose cycle total reaches a sanction, found once
            # over the cycle's records (materialized, so it is not rescanned per pair).
            heavy = (
                select(anyone.staff_id)
                .where(*live(anyone))
                .group_by(anyone.staff_id)
                .having(func.sum(anyone.points) >= _lowest_sanction())
                .cte("heavy")
            )
            if db.session.get_bind().dialect.name == "postgresql":
                heavy = heavy.prefix_with("MATERIALIZED")
            statement = (
                select(here.facility_id, here.staff_id, func.min(here.decided_on))
                .join(heavy, heavy.c.staff_id == here.staff_id)
                .where(where, *live(here))
                .group_by(here.staff_id, here.facility_id)
            )
        else:
            pairs = (
                select(here.staff_id, here.facility_id, func.min(here.decided_on).label("first"))
                .where(where, *live(here))
                .group_by(here.staff_id, here.facility_id)
                .subquery()
            )
            total = (
                select(func.sum(anyone.points))
                .where(anyone.staff_id == pairs.c.staff_id, *live(anyone))
                .scalar_subquery()
            )
            statement = select(pairs.c.facility_id, pairs.c.staff_id, pairs.c.first).where(
                total >= _lowest_sanction()
            )
        for facility_id, staff_id, first in plain_rows(statement):
            if facility_id in wanted:
                first_record[(facility_id, staff_id)] = first
    if not first_record:
        return out
    standings = standings_many(sorted({staff_id for _f, staff_id in first_record}), as_of)
    found = []
    for (facility_id, staff_id), first in sorted(first_record.items()):
        for s in standings[staff_id].sanctions:
            if (
                s.kind.value in STAFF_SANCTIONS
                and s.start.year == as_of.year
                and first <= s.start <= as_of
            ):
                found.append((facility_id, staff_id, s))
    # The staff codes of the people sanctioned only (a handful), by primary key: joined to
    # every pair above, a batch of thousands of facilities read the whole staff table.
    codes = {
        sid: code
        for where in in_filters(StaffMember.id, [staff_id for _f, staff_id, _s in found])
        for sid, code in run_core(select(StaffMember.id, StaffMember.staff_code).where(where))
    }
    for facility_id, staff_id, s in found:
        out[facility_id].append(
            StaffSanctionFact(s.record_id, codes[staff_id], s.kind.value, s.start)
        )
    return out
