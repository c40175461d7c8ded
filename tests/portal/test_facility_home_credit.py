"""The facility's home page shows its credit grade, the recent grade changes and the
objections and repair applications that need its attention, and nothing of another
facility's."""

from __future__ import annotations

import re
from datetime import timedelta

from portal.database import utcnow
from portal.models.credit import CreditRepair
from portal.models.enums import Responsibility, Role, Severity
from portal.operations.credit import recompute_grade
from portal.operations.credit_appeals import decide_credit_appeal, file_credit_appeal
from portal.operations.credit_repair import decide_repair
from portal.operations.credit_workflow import decide_adjustment, propose_adjustment
from portal.operations.point_appeals import decide_appeal, file_appeal
from portal.web import china_time, china_today
from tests.credit_helpers import confirmed_finding, inspection, two_inspectors
from tests.portal.points_helpers import TODAY as POINTS_DAY
from tests.portal.points_helpers import record_for

CARD = re.compile(r'<section class="card credit-card".*?</section>', re.S)


def _card_html(client) -> str:
    page = client.get("/facility/").get_data(as_text=True)
    found = CARD.search(page)
    assert found, page
    return found.group(0)


def _card(client) -> str:
    """The text of the home page's credit card, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", _card_html(client)))


def _finding_today(make_user, facility, prefix: str, **overrides):
    """A finding at ``facility`` confirmed today (recomputing its grade)."""
    today = china_today()
    one, two = two_inspectors(make_user, prefix=prefix)
    finding, row = confirmed_finding(
        one, inspection(one, facility, [one, two], start=today), today=today,
        decision_date=today, period_start=None, period_end=None, **overrides,
    )  # fmt: skip
    return finding, row


def _serious_with_money(make_user, facility, prefix: str, number: str):
    """A serious finding with 10,000 yuan involved: 100 - 10 - 1 = 89, grade B."""
    return _finding_today(
        make_user, facility, prefix, category="inflated_charges",
        amount_involved_fen=1_000_000, amount_refunded_fen=1_000_000, decision_number=number,
    )  # fmt: skip


def test_home_shows_the_grade_and_the_change_a_recompute_made(
    db, client, auth, make_facility, make_user
):
    facility = make_facility(name="本院")
    first = recompute_grade(facility, "manual", today=china_today())
    make_user(Role.FACILITY, "fac", facility=facility)
    db.session.commit()
    auth.login("fac")
    card = _card(client)
    assert first.grade == "A" and "A 信用良好" in card and "100.0" in card
    assert "未评级 → A （100.0 分） 手动重算" in card
    assert "暂无待处理的异议或信用修复申请" in card

    _finding, row = _serious_with_money(make_user, facility, "own", "通医保罚〔2026〕31号")
    db.session.commit()
    assert (row.previous_grade, row.grade, str(row.score)) == ("A", "B", "89.0")
    card = _card(client)
    assert "B 信用较好" in card and "89.0" in card and "满分 100" in card
    assert f"规则版本 {row.rulebook_version}" in card
    # When, in China time as on the other pages (UTC differs by eight hours).
    assert f"计算时间 {china_time(row.computed_at)}" in card
    change = f"{china_time(row.computed_at)}：A → B （89.0 分） 违规认定"
    assert change in card
    # Newest first.
    assert card.index(change) < card.index("未评级 → A")
    assert "暂无等级变化记录" not in card
    assert '<a href="/facility/credit">查看我的信用</a>' in _card_html(client)


def test_recomputes_that_keep_the_grade_are_not_changes(db, client, auth, make_facility, make_user):
    facility = make_facility()
    recompute_grade(facility, "manual", today=china_today())
    # Same grade A, lower score: a computation, not a grade change.
    _finding_today(make_user, facility, "minor", category="inflated_charges")
    recompute_grade(facility, "batch", today=china_today())
    make_user(Role.FACILITY, "fac", facility=facility)
    db.session.commit()
    auth.login("fac")
    card = _card(client)
    assert "90.0" in card and "→" in card
    assert card.count("→") == 1 and "违规认定" not in card and "批量计算" not in card


def test_home_of_a_facility_not_graded_says_why(db, client, auth, make_facility, make_user):
    young = make_facility(agreement_start=china_today() - timedelta(days=30))
    never = make_facility()
    make_user(Role.FACILITY, "young", facility=young)
    make_user(Role.FACILITY, "never", facility=never)
    row = recompute_grade(young, "manual", today=china_today())
    db.session.commit()
    assert not row.graded

    auth.login("young")
    card = _card(client)
    assert "信用等级 未评级 定点协议不满6个月，本周期不参加评价" in card
    assert f"规则版本 {row.rulebook_version}" in card
    assert f"计算时间 {china_time(row.computed_at)}" in card
    assert "暂无等级变化记录" in card and "→" not in card
    assert "信用评分" not in card
    auth.logout()

    auth.login("never")
    card = _card(client)
    assert "信用等级 未评级 尚未进行信用评价。" in card
    assert "暂无等级变化记录" in card and "规则版本" not in card


def test_home_lists_objections_and_repairs_awaiting_or_just_decided(
    db, client, auth, make_facility, make_user
):
    facility = make_facility()
    recompute_grade(facility, "manual", today=china_today())
    finding, _row = _serious_with_money(make_user, facility, "own", "通医保罚〔2026〕41号")
    today = china_today()
    appeal = file_credit_appeal(None, facility, finding=finding, reason="金额有误", today=today)
    repair = CreditRepair(
        facility=facility, statement="已整改到位", pledge_signed_on=today, filed_on=today
    )
    db.session.add(repair)
    make_user(Role.FACILITY, "fac", facility=facility)
    approver = make_user(Role.APPROVER, "appr")
    db.session.commit()
    auth.login("fac")
    card = _card(client)
    deadline = appeal.deadline.isoformat() if appeal.deadline else "待定"
    assert "异议（违规认定 通医保罚〔2026〕41号）待医保局处理" in card
    assert f"{today.isoformat()} 提出，处理期限 {deadline}" in card
    assert "信用修复申请待医保局决定" in card
    assert "已处理" not in card and "已决定" not in card

    decide_credit_appeal(approver, appeal, upheld=False, reason="证据充分", today=today)
    decide_repair(approver, repair, grant=False, reason="尚未整改", today=today)
    db.session.commit()
    card = _card(client)
    assert "异议（违规认定 通医保罚〔2026〕41号）已处理：异议不成立" in card
    assert "信用修复申请已决定：不予修复" in card
    assert "待医保局" not in card

    # Decisions older than the window leave the home page (the credit page keeps them).
    long_ago = utcnow() - timedelta(days=31)
    appeal.decided_at = long_ago
    repair.decided_at = long_ago
    db.session.commit()
    card = _card(client)
    assert "已处理" not in card and "已决定" not in card
    assert "暂无待处理的异议或信用修复申请，近 30 日也没有新的处理结果。" in card


def test_home_shows_nothing_of_another_facility(db, client, auth, make_facility, make_user):
    own, other = make_facility(name="本院"), make_facility(name="他院")
    recompute_grade(own, "manual", today=china_today())
    recompute_grade(other, "manual", today=china_today())
    finding, row = _serious_with_money(make_user, other, "other", "通医保罚〔2026〕99号")
    today = china_today()
    file_credit_appeal(None, other, finding=finding, reason="他院的异议", today=today)
    db.session.add(
        CreditRepair(facility=other, statement="他院整改", pledge_signed_on=today, filed_on=today)
    )
    make_user(Role.FACILITY, "fac", facility=own)
    make_user(Role.FACILITY, "other_fac", facility=other)
    db.session.commit()
    assert row.grade == "B"

    auth.login("fac")
    card = _card(client)
    assert "A 信用良好" in card and "100.0" in card
    assert "89.0" not in card and "信用较好" not in card and "A → B" not in card
    assert "通医保罚〔2026〕99号" not in card and "待医保局" not in card
    assert "暂无待处理的异议或信用修复申请" in card
    auth.logout()

    # The other facility's own home page does show them: the checks above can fail.
    auth.login("other_fac")
    card = _card(client)
    assert "89.0" in card and "A → B" in card
    assert "异议（违规认定 通医保罚〔2026〕99号）待医保局处理" in card
    assert "信用修复申请待医保局决定" in card


def _flashes(client) -> list[str]:
    """The notes of the 我的信用 page's summary (caps, grade adjustment), as text."""
    page = client.get("/facility/credit").get_data(as_text=True)
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found))
        for found in re.findall(
            r'<div class="flash flash-\w+" role="status">(.*?)</div>', page, re.S
        )
    ]


def _grade_note(client) -> str:
    found = re.search(r'<p class="grade-note">(.*?)</p>', _card_html(client), re.S)
    assert found, _card_html(client)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1)))


def test_the_card_says_why_an_adjusted_grade_is_not_the_scores(
    db, client, auth, make_facility, make_user
):
    facility = make_facility()
    officer = make_user(Role.CREDIT_OFFICER, "officer")
    approver = make_user(Role.APPROVER, "appr")
    make_user(Role.FACILITY, "fac", facility=facility)
    adjustment = propose_adjustment(
        officer, facility, grade="C", reason="复核", evidence="复核报告（档案室）"
    )
    decide_adjustment(approver, adjustment, approve=True, note="同意", today=china_today())
    db.session.commit()
    auth.login("fac")
    card = _card(client)
    assert "C 信用一般" in card and "100.0" in card
    note = _grade_note(client)
    assert note.startswith(f"按得分应为A级，经人工调整为C级（调整 #{adjustment.id}）。")
    # Word for word what the credit page says.
    assert _flashes(client) == [note]


def test_the_card_says_which_cap_holds_the_grade_and_when_it_lifts(
    db, client, auth, make_facility, make_user
):
    facility = make_facility()
    _finding_today(make_user, facility, "fraud", category="fictitious_service",
                   results=["talk_rectify"])  # fmt: skip
    make_user(Role.FACILITY, "fac", facility=facility)
    db.session.commit()
    auth.login("fac")
    card = _card(client)
    assert "D 信用较差" in card and "80.0" in card
    note = _grade_note(client)
    year = china_today().year
    assert note == (
        f"等级封顶为 D 级：本周期存在经认定的欺诈骗保行为（封顶为 D 级，{year + 1}-01-01 起解除）。"
        "无论得分多少，本周期等级都不会高于 D 级。"
    )
    assert _flashes(client) == [note]


def test_the_card_has_no_note_when_the_score_gives_the_grade(
    db, client, auth, make_facility, make_user
):
    facility = make_facility()
    _serious_with_money(make_user, facility, "own", "通医保罚〔2026〕32号")
    make_user(Role.FACILITY, "fac", facility=facility)
    db.session.commit()
    auth.login("fac")
    assert "B 信用较好" in _card(client)
    assert 'class="grade-note"' not in _card_html(client)
    assert _flashes(client) == []


# --- Results of objections to staff points ------------------------------------------------


def _decided_point_appeal(approver, record, *, upheld: bool):
    appeal = file_appeal(None, record, reason="并非本人所为", filed_on=POINTS_DAY)
    decide_appeal(approver, appeal, upheld=upheld, reason="经核查", today=POINTS_DAY)
    return appeal


def test_home_lists_results_of_objections_to_points_recorded_there_only(
    db, client, auth, make_facility, make_user, make_staff
):
    """The person practises at both facilities: each sees the result of the objection to
    the points recorded there, not the one recorded at the other."""
    own, other = make_facility(name="本院"), make_facility(name="他院")
    person = make_staff([own, other], name="李明华")
    inspector = make_user(Role.INSPECTOR, "insp")
    approver = make_user(Role.APPROVER, "appr")
    at_own = record_for(inspector, person, own, Severity.MINOR, Responsibility.GENERAL)
    at_other = record_for(inspector, person, other, Severity.MINOR, Responsibility.GENERAL)
    _decided_point_appeal(approver, at_own, upheld=False)
    _decided_point_appeal(approver, at_other, upheld=True)
    make_user(Role.FACILITY, "fac", facility=own)
    make_user(Role.FACILITY, "fac_other", facility=other)
    make_user(Role.FACILITY, "fac_third", facility=make_facility(name="第三院"))
    db.session.commit()

    auth.login("fac")
    card = _card(client)
    assert f"记分异议（李明华，{at_own.reference}）已处理：异议不成立" in card
    assert at_other.reference not in card and "撤销记分" not in card
    assert "暂无待处理的异议" not in card
    # A link to the record on the person's points page, which the facility may open.
    link = f"/facility/staff/{person.id}/points#point-{at_own.id}"
    assert f'<a href="{link}">记分异议（李明华' in _card_html(client)
    points_page = client.get(link.split("#")[0])
    assert points_page.status_code == 200
    assert f'id="point-{at_own.id}"' in points_page.get_data(as_text=True)
    auth.logout()

    auth.login("fac_other")
    card = _card(client)
    assert f"记分异议（李明华，{at_other.reference}）已处理：异议成立（撤销记分）" in card
    assert at_own.reference not in card and "异议不成立" not in card
    auth.logout()

    auth.login("fac_third")
    card = _card(client)
    assert "记分异议" not in card and "李明华" not in card
    assert "暂无待处理的异议或信用修复申请" in card


def test_points_objection_results_are_recent_and_name_former_staff_masked(
    db, client, auth, make_facility, make_user, make_staff
):
    facility = make_facility()
    person = make_staff([facility], name="李明华")
    inspector = make_user(Role.INSPECTOR, "insp")
    approver = make_user(Role.APPROVER, "appr")
    record = record_for(inspector, person, facility, Severity.MINOR, Responsibility.GENERAL)
    appeal = file_appeal(None, record, reason="并非本人所为", filed_on=POINTS_DAY)
    make_user(Role.FACILITY, "fac", facility=facility)
    db.session.commit()
    auth.login("fac")
    # Awaiting the bureau: on the home page, nothing said to be pending but this.
    card = _card(client)
    assert f"记分异议（李明华，{record.reference}）待医保局处理" in card
    assert f"{POINTS_DAY.isoformat()} 提出" in card and "暂无待处理" not in card

    decide_appeal(approver, appeal, upheld=False, reason="经核查", today=POINTS_DAY)
    db.session.commit()
    card = _card(client)
    assert f"记分异议（李明华，{record.reference}）已处理：异议不成立" in card
    assert "待医保局处理" not in card
    # Decided at 17:30 UTC: shown in China time, 01:30 the next day.
    yesterday = utcnow() - timedelta(days=1)
    appeal.decided_at = yesterday.replace(hour=17, minute=30, second=0, microsecond=0)
    db.session.commit()
    assert china_time(appeal.decided_at) in _card(client)
    assert china_time(appeal.decided_at).endswith("01:30")

    # The person left: not on the facility's staff pages any more, so named masked and
    # without a link.
    (practice,) = person.practices
    practice.end_date = china_today()
    db.session.commit()
    card = _card(client)
    assert f"记分异议（李某某，{record.reference}）已处理：异议不成立" in card
    assert "李明华" not in card and "/points" not in _card_html(client)

    # Decisions older than the window leave the home page, as the credit objections do.
    appeal.decided_at = utcnow() - timedelta(days=31)
    db.session.commit()
    card = _card(client)
    assert "记分异议" not in card
    assert "暂无待处理的异议或信用修复申请，近 30 日也没有新的处理结果。" in card
