"""The same form sent twice (a double click, or the browser's back and send again): what
counts for a person's standing or a facility's grade is written once, the second time
refused with why."""

from __future__ import annotations

from sqlalchemy import select

import pledges.render as pledge_render
from portal.models.credit import AdjustmentStatus, CreditAdjustment
from portal.models.enums import Responsibility, Role, Severity
from portal.models.pledge_extras import PledgePostingCheck
from portal.models.points import PointRecord, PointRestoration
from portal.operations.points import standing_for
from portal.web import china_today
from tests.credit_helpers import inspection, two_inspectors
from tests.portal import pledge_helpers as h
from tests.portal.points_helpers import record_for
from tests.portal.web_helpers import count_rows as _count
from tests.portal.web_helpers import post_form as _post


def test_a_point_record_sent_twice_is_recorded_once(db, client, auth, make_staff, make_user):
    """Twice 6 points would be 12: the person's qualification terminated by a double click."""
    make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    db.session.commit()
    auth.login("insp")
    url = f"/bureau/staff/{staff.id}/points/new"
    form = {
        "facility_id": staff.facilities[0].id,
        "violation": "串换药品",
        "severity": "moderate",
        "responsibility": "main",
        "decided_on": china_today().isoformat(),
        "source": "finding",
        "reference": "通医保记〔2026〕77号",
    }
    assert _post(client, url, form).status_code == 302
    again = _post(client, url, form)
    assert again.status_code == 200
    assert "该人员已按决定书 通医保记〔2026〕77号 就同一违规行为记分" in again.get_data(
        as_text=True
    )
    assert _count(db, PointRecord) == 1
    # Another violation under the same decision is recorded.
    other = _post(client, url, form | {"violation": "虚记费用", "severity": "minor"})
    assert other.status_code == 302
    assert _count(db, PointRecord) == 2


def test_a_restoration_sent_twice_is_granted_once(db, client, auth, make_staff, make_user):
    """Restorations cannot be revoked: a second point for one training would stay."""
    inspector = make_user(Role.INSPECTOR, "insp")
    staff = make_staff()
    today = china_today()
    record_for(inspector, staff, staff.facilities[0], Severity.MODERATE, Responsibility.MAIN,
               today, today)  # fmt: skip
    db.session.commit()
    auth.login("insp")
    url = f"/bureau/staff/{staff.id}/restorations"
    form = {"kind": "training", "granted_on": today.isoformat(), "evidence": "培训证书 2026-001"}
    page = f"/bureau/staff/{staff.id}"
    assert _post(client, url, form, page=page).status_code == 302
    again = _post(client, url, form, page=page)
    assert again.status_code == 302
    shown = client.get(again.headers["Location"]).get_data(as_text=True)
    assert f"该证明材料（培训证书 2026-001）已于 {today.isoformat()} 用于修复" in shown
    assert _count(db, PointRestoration) == 1
    assert standing_for(staff, today).restored == 1
    # Another training, with its own certificate, restores another point.
    assert (
        _post(client, url, form | {"evidence": "培训证书 2026-002"}, page=page).status_code == 302
    )
    assert _count(db, PointRestoration) == 2


def test_an_adjustment_sent_twice_is_proposed_once(db, client, auth, make_facility, make_user):
    """Two identical proposals awaiting approval, both approved, would count twice."""
    facility = make_facility()
    make_user(Role.CREDIT_OFFICER, "credit")
    db.session.commit()
    auth.login("credit")
    url = f"/bureau/facilities/{facility.id}/credit/adjust"
    form = {"mode": "points", "points": "-2", "reason": "约谈未整改", "evidence": "档案室"}
    assert _post(client, url, form).status_code == 302
    again = _post(client, url, form)
    assert again.status_code == 200
    first = db.session.scalars(select(CreditAdjustment)).one()
    assert f"该机构已有相同的待审批调整（#{first.id}）" in again.get_data(as_text=True)
    # A different proposal is made; so is the same one once the first is decided.
    assert _post(client, url, form | {"points": "-3"}).status_code == 302
    first.status = AdjustmentStatus.REJECTED
    db.session.commit()
    assert _post(client, url, form).status_code == 302
    assert _count(db, CreditAdjustment) == 3


def test_a_posting_check_sent_twice_is_recorded_once(
    db, client, auth, make_facility, make_user, storage_root, monkeypatch
):
    """Each check found "not posted" deducts from the grade, and a check cannot be
    withdrawn: one inspection's finding sent twice would deduct twice."""
    monkeypatch.setattr(pledge_render, "render_pdf", h.fake_pdf)
    facility = make_facility()
    campaign = h.make_campaign()
    make_user(Role.INSPECTOR, "insp")
    db.session.commit()
    auth.login("insp")
    url = f"/bureau/facilities/{facility.id}/pledges/posting"
    form = {
        "campaign_id": str(campaign.id),
        "posted": "no",
        "checked_on": h.TODAY.isoformat(),
        "inspection_id": "0",
        "note": "未张贴",
    }
    assert _post(client, url, form).status_code == 302
    db.session.refresh(facility)
    score = facility.credit_score
    assert score is not None and score < 100
    again = _post(client, url, form)
    assert again.status_code == 200
    assert "已记录过“未张贴”的张贴检查，同一天同一结果只记录一次" in again.get_data(as_text=True)
    assert _count(db, PledgePostingCheck) == 1
    # The same finding sent again linked to an inspection is the same finding.
    one, two = two_inspectors(make_user, prefix="pc")
    visit = inspection(one, facility, [one, two], start=h.TODAY)
    db.session.commit()
    linked = _post(client, url, form | {"inspection_id": str(visit.id)})
    assert "同一天同一结果只记录一次" in linked.get_data(as_text=True)
    assert _count(db, PledgePostingCheck) == 1
    db.session.refresh(facility)
    assert facility.credit_score == score
    # Found posted on a later visit the same day, after the facility put it up: recorded.
    assert _post(client, url, form | {"posted": "yes"}).status_code == 302
    assert _count(db, PledgePostingCheck) == 2


def test_a_finding_sent_twice_is_drafted_once(db, client, auth, make_facility, make_user):
    """Two drafts of one finding, each confirmed, would deduct twice."""
    from portal.models.inspections import Finding

    one, two = two_inspectors(make_user, prefix="fd")
    visit = inspection(one, make_facility(), [one, two], start=china_today())
    db.session.commit()
    auth.login(one.username)
    url = f"/bureau/inspections/{visit.id}/findings/new"
    form = {
        "category": "improper_charging", "description": "分解收费", "amount_involved": "100",
        "amount_refunded": "0", "amount_recovered": "0", "fine": "", "staff_codes": "",
        "results": ["talk_rectify"], "legal_article": "", "decision_number": "通医保罚〔2026〕12号",
        "decision_date": china_today().isoformat(), "self_inspection_id": "0",
    }  # fmt: skip
    assert _post(client, url, form).status_code == 302
    (first,) = db.session.scalars(select(Finding)).all()
    # Sent again, the decision number typed in other brackets: the same finding.
    again = _post(client, url, form | {"decision_number": "通医保罚（2026）12号"})
    assert again.status_code == 200
    assert f"该检查下已有相同的违规发现（编号 {first.id}，草稿），请勿重复录入" in again.get_data(
        as_text=True
    )
    assert _count(db, Finding) == 1
    # Another violation under the same decision is another finding.
    assert _post(client, url, form | {"description": "重复收费"}).status_code == 302
    assert _count(db, Finding) == 2
