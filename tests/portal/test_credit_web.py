"""Inspection, finding and credit screens in the bureau and facility areas."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.models.credit import CreditAdjustment, CreditAppeal
from portal.models.enums import Role
from portal.models.inspections import Finding, FindingStatus, Inspection
from portal.operations.credit import latest_grade
from portal.web import china_today
from tests.conftest import csrf_token
from tests.credit_helpers import (
    TODAY,
    confirmed_finding,
    graded_in_cycle,
    inspection,
    two_inspectors,
)


def _token(client, url: str) -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def test_inspector_records_inspection_and_finding_on_the_web(
    db, client, auth, make_facility, make_staff, make_user
):
    facility = make_facility(name="通州区测试医院")
    staff = make_staff([facility], name="钱医生")
    one, two = two_inspectors(make_user)
    today = china_today()
    auth.login(one.username)
    url = "/bureau/inspections/new"
    form = {
        "csrf_token": _token(client, url),
        "site_code": facility.site_code,
        "kind": "flight",
        "trigger": "tipoff",
        "on_site": "y",
        "start_date": today.isoformat(),
        "inspectors": [str(one.id)],
    }
    page = client.post(url, data=form).get_data(as_text=True)
    assert "2名以上" in page
    assert client.post(url, data=form | {"site_code": "H99999999999"}).status_code == 200
    response = client.post(url, data=form | {"inspectors": [str(one.id), str(two.id)]})
    assert response.status_code == 302
    insp = db.session.scalar(select(Inspection).where(Inspection.facility_id == facility.id))
    assert response.headers["Location"].endswith(f"/bureau/inspections/{insp.id}")
    detail = client.get(f"/bureau/inspections/{insp.id}").get_data(as_text=True)
    assert "飞行检查" in detail and "暂无违规发现" in detail

    new_url = f"/bureau/inspections/{insp.id}/findings/new"
    page = client.get(new_url).get_data(as_text=True)
    assert "定点零售药店" not in page and "药品进销存不符" not in page  # hospital categories only
    finding_form = {
        "csrf_token": csrf_token(page),
        "category": "inflated_charges",
        "description": "虚记耗材费用",
        "amount_involved": "25,000.00",
        "amount_refunded": "25000",
        "amount_recovered": "0",
        "fine": "100000",
        "staff_codes": staff.staff_code,
        "results": ["talk_rectify", "fund_recovery"],
        "legal_article": "",
        "decision_number": "通医保罚〔2026〕9号",
        "decision_date": today.isoformat(),
        "self_inspection_id": "0",
    }
    calc = client.post(new_url, data=finding_form | {"action": "calculate"})
    body = calc.get_data(as_text=True)
    assert calc.status_code == 200
    assert "25,000.00元 至 50,000.00元" in body  # Art 38 by default for this category
    assert "超过第38条规定的上限" in body
    assert db.session.scalar(select(Finding.id)) is None  # the calculator saves nothing
    bad = client.post(new_url, data=finding_form | {"amount_involved": "12.345"})
    assert "请填写有效金额" in bad.get_data(as_text=True)
    unknown = client.post(new_url, data=finding_form | {"staff_codes": "D999"})
    assert "未找到人员编码" in unknown.get_data(as_text=True)
    saved = client.post(new_url, data=finding_form | {"fine": "30000"})
    assert saved.status_code == 302
    finding = db.session.scalar(select(Finding))
    assert finding.amount_involved_fen == 2_500_000 and finding.fine_fen == 3_000_000
    assert finding.staff == [staff] and finding.result_codes == ["fund_recovery", "talk_rectify"]
    assert finding.status is FindingStatus.DRAFT and finding.legal_article == "38"

    detail_url = f"/bureau/findings/{finding.id}"
    detail = client.get(detail_url).get_data(as_text=True)
    assert "认定" in detail and "钱医生" in detail and "超过" not in detail
    confirm = client.post(
        f"{detail_url}/confirm", data={"csrf_token": csrf_token(detail)}, follow_redirects=True
    )
    assert "机构信用评分 88.0，等级 B" in confirm.get_data(as_text=True)
    assert finding.status is FindingStatus.CONFIRMED

    credit = client.get(f"/bureau/facilities/{facility.id}/credit").get_data(as_text=True)
    assert f'href="/bureau/findings/{finding.id}"' in credit
    assert "虚记、多记药品" in credit and "常规监管" in credit and "88.0" in credit
    chart = client.get(f"/bureau/facilities/{facility.id}/credit/chart.png")
    assert chart.status_code == 200 and chart.mimetype == "image/png"
    assert chart.data[:8] == b"\x89PNG\r\n\x1a\n"
    listed = client.get("/bureau/inspections?q=通州区测试").get_data(as_text=True)
    assert facility.name in listed


def test_confirmer_cannot_revoke_and_approver_can(db, client, auth, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    make_user(Role.APPROVER, "appr")
    insp = inspection(one, facility, [one, two], start=china_today())
    finding, _row = confirmed_finding(one, insp, today=china_today(), decision_date=china_today(),
                                      period_start=None, period_end=None)  # fmt: skip
    db.session.commit()
    auth.login(one.username)
    assert client.get(f"/bureau/findings/{finding.id}/revoke").status_code == 403
    auth.logout()
    auth.login("appr")
    url = f"/bureau/findings/{finding.id}/revoke"
    response = client.post(url, data={"csrf_token": _token(client, url), "reason": "复核不成立"})
    assert response.status_code == 302
    assert finding.status is FindingStatus.REVOKED
    assert latest_grade(facility.id).grade == "A"
    # Not for the inspector's area: the approver may not record inspections.
    assert client.get("/bureau/inspections/new").status_code == 403


def test_penalty_calculator_page_and_json(db, client, auth, make_user):
    make_user(Role.AUDITOR, "aud")
    auth.login("aud")
    page = client.get(
        "/bureau/penalty-calculator?legal_article=40&amount_involved=1000&fine=1000"
    ).get_data(as_text=True)
    assert "2,000.00元 至 5,000.00元" in page and "低于第40条规定的下限" in page
    data = client.get(
        "/bureau/penalty-range?category=improper_charging&amount=100&fine=150"
    ).get_json()
    assert data["article"] == "38" and data["fine_min"] == "100.00" and data["warning"] is None
    lenient = client.get(
        "/bureau/penalty-range?article=38&amount=100&fine=0&self_corrected=1"
    ).get_json()
    assert lenient["fine_min"] == "0.00" and lenient["warning"] is None
    fixed = client.get("/bureau/penalty-range?article=39&fine=60000").get_json()
    assert "超过第39条规定的上限" in fixed["warning"]
    assert client.get("/bureau/penalty-range?article=38&amount=abc").status_code == 422
    # No fine without an administrative penalty is no fine below the range; under one it is.
    talk = "/bureau/penalty-range?article=38&amount=100&fine=0&results=talk_rectify"
    assert client.get(talk).get_json()["warning"] is None
    penalty = client.get(talk + "&results=administrative_penalty").get_json()
    assert "低于第38条规定的下限" in penalty["warning"]


def test_penalty_calculator_refuses_amounts_no_record_can_hold(db, client, auth, make_user):
    make_user(Role.AUDITOR, "aud")
    auth.login("aud")
    huge = "99999999999999999999999"
    page = client.get(f"/bureau/penalty-calculator?legal_article=38&amount_involved={huge}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "金额过大，请核对" in body and "99,999,999" not in body
    for query in (f"amount={huge}", f"amount=100&fine={huge}"):
        response = client.get(f"/bureau/penalty-range?article=38&{query}")
        assert response.status_code == 422
        assert response.get_json() == {"error": "金额过大，请核对"}


def test_adjustment_four_eyes_on_the_web(db, client, auth, make_facility, make_user):
    facility = make_facility()
    make_user(Role.CREDIT_OFFICER, "officer")
    make_user(Role.ADMIN, "admin")
    make_user(Role.APPROVER, "appr")
    auth.login("admin")
    url = f"/bureau/facilities/{facility.id}/credit/adjust"
    token = _token(client, url)
    missing = client.post(url, data={"csrf_token": token, "mode": "points", "reason": "x"})
    assert "请填写调整分值" in missing.get_data(as_text=True)
    no_grade = client.post(url, data={"csrf_token": token, "mode": "grade", "reason": "x"})
    # The error is on the grade, the field of the way chosen.
    assert re.search(r'name="grade".*?请填写目标等级', no_grade.get_data(as_text=True), re.S)
    proposal = {"csrf_token": token, "mode": "points", "points": "-3", "reason": "未按期整改"}
    no_evidence = client.post(url, data=proposal).get_data(as_text=True)
    assert "请上传证明材料文件，或写明证明材料的文书编号、名称及存放位置" in no_evidence
    # Evidence or a reason no one can see (zero-width spaces) is none.
    unseen = client.post(url, data=proposal | {"evidence": "\u200b"}).get_data(as_text=True)
    assert "请上传证明材料文件，或写明证明材料的文书编号、名称及存放位置" in unseen
    unseen = proposal | {"reason": "\u200b\ufeff", "evidence": "整改通知书"}
    assert "此项必填" in client.post(url, data=unseen).get_data(as_text=True)
    assert db.session.scalar(select(CreditAdjustment)) is None
    response = client.post(url, data=proposal | {"evidence": "整改通知书（档案室）"})
    assert response.status_code == 302
    adjustment = db.session.scalar(select(CreditAdjustment))
    decide_url = f"/bureau/credit/adjustments/{adjustment.id}"
    page = client.get(decide_url).get_data(as_text=True)
    assert "须由另一名审批人审批" in page and 'name="outcome"' not in page
    refused = client.post(
        decide_url, data={"csrf_token": csrf_token(page), "outcome": "approve", "note": "同意"}
    )
    assert "提出人不能审批" in refused.get_data(as_text=True)
    assert adjustment.status.value == "pending"
    auth.logout()
    auth.login("officer")
    page = client.get(decide_url).get_data(as_text=True)
    assert 'name="outcome"' not in page
    assert client.post(decide_url, data={"csrf_token": csrf_token(page)}).status_code == 403
    auth.logout()
    auth.login("appr")
    page = client.get(decide_url).get_data(as_text=True)
    response = client.post(
        decide_url, data={"csrf_token": csrf_token(page), "outcome": "approve", "note": "同意"}
    )
    assert response.status_code == 302
    queue = client.get("/bureau/credit/adjustments?status=approved").get_data(as_text=True)
    assert facility.name in queue
    credit = client.get(f"/bureau/facilities/{facility.id}/credit").get_data(as_text=True)
    assert "97.0" in credit and "测试系统管理员提出" in credit and "测试审批人批准" in credit


def test_approving_a_proposal_made_before_the_grade_changed_asks_for_a_confirmation(
    db, client, auth, make_facility, make_user
):
    """Proposed as "lower to B" of an A facility, approved after another adjustment took it
    to C, it would raise it: the approver is shown both grades and confirms."""
    from portal.models.audit import AuditLog
    from portal.operations.credit import recompute_grade
    from portal.operations.credit_workflow import decide_adjustment, propose_adjustment

    today = china_today()
    facility = make_facility()
    officer = make_user(Role.CREDIT_OFFICER, "officer")
    admin = make_user(Role.ADMIN, "admin")
    approver = make_user(Role.APPROVER, "appr")
    recompute_grade(facility, "manual", today=today)
    to_b = propose_adjustment(officer, facility, grade="B", reason="降为B", evidence="文号一")
    to_c = propose_adjustment(admin, facility, grade="C", reason="降为C", evidence="文号二")
    to_b.proposed_at = to_c.proposed_at = latest_grade(facility.id).computed_at
    decide_adjustment(approver, to_c, approve=True, note="同意", today=today)
    db.session.commit()
    assert facility.credit_grade == "C"
    auth.login("appr")
    url = f"/bureau/credit/adjustments/{to_b.id}"
    page = client.get(url).get_data(as_text=True)
    assert "该调整提出时，机构为 A 级，100.0 分；现为 C 级，100.0 分" in page
    assert f'本周期已有经批准的等级调整：<a href="/bureau/credit/adjustments/{to_c.id}">' in page
    decision = {"csrf_token": csrf_token(page), "outcome": "approve", "note": "同意"}
    refused = client.post(url, data=decision).get_data(as_text=True)
    assert "该调整提出后机构等级已变化：请核对后勾选确认" in refused
    db.session.expire_all()
    assert db.session.get(CreditAdjustment, to_b.id).status.value == "pending"
    assert client.post(url, data=decision | {"changes_seen": "y"}).status_code == 302
    db.session.expire_all()
    assert latest_grade(facility.id).grade == "B"
    row = db.session.scalar(
        select(AuditLog).where(
            AuditLog.action == "credit.adjust_approve", AuditLog.object_id == str(to_b.id)
        )
    )
    before, after = row.summary["before"], row.summary["after"]
    assert before["facility_grade"] == "C" and after["facility_grade"] == "B"
    # Unchanged since the proposal: no warning, nothing to tick.
    fresh = propose_adjustment(officer, facility, points="-1", reason="扣分", evidence="文号三")
    db.session.commit()
    page = client.get(f"/bureau/credit/adjustments/{fresh.id}").get_data(as_text=True)
    assert "该调整提出时" not in page and 'name="changes_seen"' not in page


def test_facility_sees_only_its_own_credit_and_files_an_appeal(
    db, client, auth, make_facility, make_user
):
    own, other = make_facility(name="本院"), make_facility(name="他院")
    one, two = two_inspectors(make_user)
    today = china_today()
    mine, _ = confirmed_finding(
        one, inspection(one, own, [one, two], start=today), today=today, decision_date=today,
        period_start=None, period_end=None, category="inflated_charges",
    )  # fmt: skip
    theirs, _ = confirmed_finding(
        one, inspection(one, other, [one, two], start=today), today=today, decision_date=today,
        period_start=None, period_end=None, description="他院的违规事实",
    )  # fmt: skip
    make_user(Role.FACILITY, "fac", facility=own)
    db.session.commit()
    auth.login("fac")
    page = client.get("/facility/credit").get_data(as_text=True)
    assert "本院" in page and "他院" not in page and "他院的违规事实" not in page
    assert f'id="finding-{mine.id}"' in page and f"#finding-{mine.id}" in page
    assert "90.0" in page and "距 A 级" not in page  # 90 is A
    chart = client.get("/facility/credit/chart.png")
    assert chart.status_code == 200 and chart.data[:4] == b"\x89PNG"
    url = "/facility/credit/appeal"
    form = client.get(f"{url}?finding={mine.id}").get_data(as_text=True)
    assert f'selected value="{mine.id}"' in form and f'value="{theirs.id}"' not in form
    foreign = client.post(
        url, data={"csrf_token": csrf_token(form), "subject": str(theirs.id), "reason": "x"}
    )
    assert foreign.status_code == 200 and db.session.scalar(select(CreditAppeal.id)) is None
    response = client.post(
        url, data={"csrf_token": csrf_token(form), "subject": str(mine.id), "reason": "金额有误"}
    )
    assert response.status_code == 302
    appeal = db.session.scalar(select(CreditAppeal))
    assert appeal.finding_id == mine.id and appeal.facility_id == own.id
    # The bureau sees it in the queue with its deadline; the facility sees the decision.
    auth.logout()
    make_user(Role.APPROVER, "appr")
    auth.login("appr")
    queue = client.get("/bureau/credit/appeals").get_data(as_text=True)
    assert "本院" in queue and (appeal.deadline is None or appeal.deadline.isoformat() in queue)
    decide = f"/bureau/credit/appeals/{appeal.id}"
    decided = client.post(
        decide,
        data={"csrf_token": _token(client, decide), "outcome": "rejected", "reason": "证据充分"},
    )
    assert decided.status_code == 302, decided.get_data(as_text=True)
    auth.logout()
    auth.login("fac")
    credit = client.get("/facility/credit").get_data(as_text=True)
    assert '异议不成立：<span class="multiline">证据充分</span>' in credit


def test_supervision_lists_render(db, client, auth, make_facility, make_user):
    facility = make_facility(name="重点监管医院")
    facility.credit_grade = "D"
    make_user(Role.AUDITOR, "aud")
    auth.login("aud")
    page = client.get("/bureau/credit/supervision").get_data(as_text=True)
    assert "重点监管医院" in page and "列为重点监管对象" in page
    streak = client.get("/bureau/credit/supervision?list=streak").get_data(as_text=True)
    assert "没有符合条件的机构" in streak
    for url in ("/bureau/credit/appeals", "/bureau/credit/repairs", "/bureau/credit/adjustments"):
        assert client.get(url).status_code == 200


def test_termination_lists_count_completed_cycles(
    db, app, client, auth, make_facility, make_user, monkeypatch
):
    """At TODAY (in 2026) a facility D in 2024 and 2025 is a termination candidate; one D
    in 2025 and so far in 2026 is at risk, on a list of its own, paged on its own."""
    monkeypatch.setattr("portal.bureau.views_credit.china_today", lambda: TODAY)
    candidate = make_facility(name="两年D级医院")
    for cycle in (2024, 2025):
        graded_in_cycle(candidate, cycle, "D")
    at_risk = [make_facility(name=f"风险医院{i}") for i in range(app.config["PAGE_SIZE"] + 1)]
    for facility in at_risk:
        graded_in_cycle(facility, 2025, "D")
        graded_in_cycle(facility, 2026, "D", as_of=TODAY)
    make_user(Role.AUDITOR, "aud")
    db.session.commit()
    auth.login("aud")
    url = "/bureau/credit/supervision?list=streak"
    candidates, risk = client.get(url).get_data(as_text=True).split('id="risk"')
    assert "2024、2025 年度连续为 D 级" in candidates and "两年D级医院" in candidates
    assert "本周期（2026年度）尚未结束" in candidates and "风险医院" not in candidates
    assert "本周期尚未结束" in risk and "2025 年度最终等级为 D 级" in risk
    assert "风险医院0" in risk and "两年D级医院" not in risk
    # The risk list pages on its own: its second page keeps the candidates in view.
    second = client.get(f"{url}&risk_page=2").get_data(as_text=True)
    assert "两年D级医院" in second and f"风险医院{app.config['PAGE_SIZE']}" in second
    assert "风险医院0" not in second
    # Filters apply to both lists; each says so when it is empty.
    filtered = client.get(f"{url}&q=风险医院1").get_data(as_text=True)
    candidates, risk = filtered.split('id="risk"')
    assert "没有符合条件的机构" in candidates and "风险医院1" in risk


def test_a_terminated_facility_is_not_shown_as_supervised(
    db, client, auth, make_facility, make_user
):
    """Its grade is capped at D, but a terminated agreement ends supervision by grade: no
    measures or sampling weight on its credit page, and not on the key-supervision list."""
    from portal.models.enums import FacilityStatus
    from portal.operations.credit_workflow import decide_adjustment, propose_adjustment
    from portal.operations.registry import update_facility

    admin = make_user(Role.ADMIN, "adm")
    ended, active = make_facility(name="已解除医院"), make_facility(name="在约D级医院")
    update_facility(admin, ended, {"status": FacilityStatus.TERMINATED})
    adjustment = propose_adjustment(admin, active, grade="D", reason="测试", evidence="文号")
    approver = make_user(Role.APPROVER, "appr")
    decide_adjustment(approver, adjustment, approve=True, note="同意", today=china_today())
    assert ended.credit_grade == "D" == active.credit_grade
    db.session.commit()
    auth.login("adm")
    credit = client.get(f"/bureau/facilities/{ended.id}/credit").get_data(as_text=True)
    assert "定点协议已解除：不再作为定点机构按信用等级分级监管" in credit
    assert "双随机抽取权重" not in credit
    assert "双随机抽取权重" in client.get(f"/bureau/facilities/{active.id}/credit").get_data(
        as_text=True
    )
    listed = client.get("/bureau/credit/supervision").get_data(as_text=True)
    assert "在约D级医院" in listed and "已解除医院" not in listed


def test_chart_of_a_facility_with_dollar_signs_in_its_name(
    db, client, auth, make_facility, make_user
):
    """matplotlib reads ``$…$`` as math text: an unbalanced one used to make the chart a 500."""
    facility = make_facility(name="测试医院$\\frac{$")
    one, _two = two_inspectors(make_user)
    db.session.commit()
    auth.login(one.username)
    chart = client.get(f"/bureau/facilities/{facility.id}/credit/chart.png")
    assert chart.status_code == 200 and chart.mimetype == "image/png"
    assert chart.data[:8] == b"\x89PNG\r\n\x1a\n"
