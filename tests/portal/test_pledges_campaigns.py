"""Running pledge campaigns: targets, one pledge a year, the form, compliance, overdue export,
review. Template versions: ``test_pledge_templates``."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from portal.models.audit import AuditLog
from portal.models.enums import FacilityKind, FacilityStatus, HospitalLevel, Role
from portal.models.pledges import (
    Pledge,
    PledgeCampaign,
    PledgeStatus,
    PledgeTemplateKind,
)
from portal.operations.pledge_campaigns import sync_campaign
from portal.operations.pledges import PledgeError
from portal.pledge_queries import compliance
from tests.pledges import samples
from tests.portal import pledge_helpers as h
from tests.portal.web_helpers import count_rows as _count
from tests.portal.web_helpers import post_form as _post

pytestmark = pytest.mark.usefixtures("storage_root")


# --- Campaigns ----------------------------------------------------------------------------


def test_campaign_targets_active_facilities_with_the_filter(db, make_facility):
    clinic = make_facility(kind=FacilityKind.CLINIC, level=HospitalLevel.UNRATED, county="通州区")
    pharmacy = make_facility(
        kind=FacilityKind.PHARMACY, level=HospitalLevel.UNRATED, county="通州区"
    )
    make_facility(county="崇川区")
    make_facility(county="通州区", status=FacilityStatus.SUSPENDED)
    campaign = h.make_campaign(counties=["通州区"])
    pledges = db.session.scalars(db.select(Pledge).where(Pledge.campaign_id == campaign.id)).all()
    assert {p.facility_id for p in pledges} == {clinic.id, pharmacy.id}
    by_facility = {p.facility_id: p for p in pledges}
    assert by_facility[clinic.id].template_version.kind is PledgeTemplateKind.INSTITUTION
    assert by_facility[pharmacy.id].template_version.kind is PledgeTemplateKind.PHARMACY
    assert by_facility[pharmacy.id].document_number.endswith(pharmacy.site_code)

    late = make_facility(county="通州区")
    assert sync_campaign(None, campaign) == 1
    assert sync_campaign(None, campaign) == 0
    assert h.pledge_of(db, campaign, late) is not None


def test_a_further_campaign_in_the_year_takes_only_facilities_without_a_pledge(db, make_facility):
    """One pledge a year: a supplementary campaign (补充签署) leaves a signed, verified
    pledge, and one awaiting review, where they are; the public still sees them."""
    from portal.pledge_queries import current_pledge

    signed, waiting = make_facility(), make_facility()
    templates = h.issue_samples()
    first = h.make_campaign(templates=templates)
    h.upload(None, h.pledge_of(db, first, signed))
    h.verify(None, h.pledge_of(db, first, signed))
    h.upload(None, h.pledge_of(db, first, waiting))
    with pytest.raises(PledgeError) as refused:
        h.make_campaign(templates=templates, title="补充签署")
    year = first.year
    assert refused.value.errors == {
        "counties": f"符合条件的定点机构{year}年度均已纳入签署活动（每家机构每年签署一份承诺书）"
    }
    designated_since = make_facility()
    second = h.make_campaign(templates=templates, title="补充签署")
    in_second = db.session.scalars(
        db.select(Pledge.facility_id).where(Pledge.campaign_id == second.id)
    )
    assert list(in_second) == [designated_since.id]
    assert current_pledge(signed.id).campaign_id == first.id
    assert current_pledge(signed.id).status is PledgeStatus.VERIFIED
    assert current_pledge(waiting.id).status is PledgeStatus.UPLOADED
    # Synchronising the first campaign does not take the facility the second one has.
    assert sync_campaign(None, first) == 0


def _campaign_form(templates, deadline: date, **extra) -> dict:
    """The new-campaign form for this year's campaign with the sample templates."""
    return {
        "year": str(deadline.year),
        "title": "测试年度承诺书签署",
        "deadline": deadline.isoformat(),
        "institution_template": str(templates[PledgeTemplateKind.INSTITUTION].id),
        "pharmacy_template": str(templates[PledgeTemplateKind.PHARMACY].id),
        **extra,
    }


def test_campaign_form(db, client, auth, make_user, make_facility):
    make_facility(county="如东县")
    make_user(Role.CREDIT_OFFICER, "camp_officer")
    templates = h.issue_samples()
    auth.login("camp_officer")
    page = client.get("/bureau/pledges/campaigns/new").get_data(as_text=True)
    assert "定点医疗机构 第1版" in page and "如东县" in page
    deadline = date.today() + timedelta(days=30)
    form = _campaign_form(templates, deadline, counties="如东县")
    response = _post(client, "/bureau/pledges/campaigns/new", form)
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "测试年度承诺书签署" in detail and "如东县" in detail
    # The audit names the template versions as people do, not by their row ids.
    opened = db.session.scalar(
        db.select(AuditLog).where(AuditLog.action == "pledge_campaign.open")
    ).summary["after"]
    assert opened["institution_template"] == "定点医疗机构 第1版"
    assert opened["pharmacy_template"] == "定点零售药店 第1版"
    # The same form sent again (a double click) opens no second campaign, whose pledges
    # would each be a second "not filed" deduction for the same year.
    again = _post(client, "/bureau/pledges/campaigns/new", form)
    assert again.status_code == 200
    assert "年度已有同名的签署活动" in again.get_data(as_text=True)
    assert _count(db, PledgeCampaign) == 1
    past = _post(
        client,
        "/bureau/pledges/campaigns/new",
        {
            "year": "2020",
            "title": "过期",
            "deadline": "2020-05-31",
            "institution_template": str(templates[PledgeTemplateKind.INSTITUTION].id),
            "pharmacy_template": str(templates[PledgeTemplateKind.PHARMACY].id),
        },
    )
    assert past.status_code == 200 and "截止日期不能早于今天" in past.get_data(as_text=True)


def test_a_campaign_year_far_from_today_or_a_deadline_in_another_year_is_refused(db, make_facility):
    """A year mistyped by decades would stand as every facility's current pledge."""
    from portal.operations.pledge_campaigns import open_campaign

    make_facility()
    templates = h.issue_samples()
    today = h.TODAY

    def errors(year: int, deadline: date) -> dict:
        with pytest.raises(PledgeError) as refused:
            open_campaign(
                None, year=year, title="年度签署", deadline=deadline,
                institution_template=templates[PledgeTemplateKind.INSTITUTION],
                pharmacy_template=templates[PledgeTemplateKind.PHARMACY],
                counties=[], kinds=[], note="", today=today,
            )  # fmt: skip
        return refused.value.errors

    soon = today + timedelta(days=10)
    allowed = f"年度应为{today.year - 1}至{today.year + 1}年之间"
    assert errors(today.year + 36, soon) == {"year": allowed}
    assert errors(today.year - 26, soon) == {"year": allowed}
    assert errors(today.year, date(today.year + 2, 1, 10)) == {
        "deadline": f"截止日期应在{today.year}年或{today.year + 1}年内"
    }
    assert _count(db, PledgeCampaign) == 0


@pytest.mark.parametrize(
    ("today", "suggested"),
    [
        (date(2026, 3, 2), date(2026, 5, 31)),  # the usual filing date, still ahead
        (date(2026, 5, 31), date(2026, 5, 31)),
        (date(2026, 6, 1), date(2026, 7, 1)),  # passed: a month from today
        (date(2026, 11, 24), date(2026, 12, 24)),
    ],
)
def test_the_campaign_form_suggests_a_deadline_not_yet_passed(
    db, client, auth, make_user, monkeypatch, today, suggested
):
    """Its suggestion, sent as it is, must not make every facility overdue tomorrow."""
    import portal.bureau.views_pledges as views

    monkeypatch.setattr(views, "china_today", lambda: today)
    make_user(Role.CREDIT_OFFICER, "camp_officer2")
    auth.login("camp_officer2")
    page = client.get("/bureau/pledges/campaigns/new").get_data(as_text=True)
    shown = re.search(r'<input id="deadline"[^>]*value="([^"]*)"', page).group(1)
    assert shown == suggested.isoformat()


@pytest.mark.parametrize(
    ("field", "values", "message"),
    [
        ("kinds", [""], "“”不是有效选项"),
        ("kinds", ["", "hospital", "bogus"], "“”、“bogus”不是有效选项"),
        ("counties", ["", "如东县"], "“”不是有效选项"),
    ],
)
def test_campaign_form_refuses_a_blank_tick(
    db, client, auth, make_user, make_facility, field, values, message
):
    """Only a tampered request ticks a blank value. The boxes may be left unticked
    (Optional), and that validator stops on a blank first value and wipes the errors found
    before it: the blank kind then reached FacilityKind("") and was a 500."""
    make_facility(county="如东县")
    make_user(Role.CREDIT_OFFICER, "camp_officer")
    templates = h.issue_samples()
    auth.login("camp_officer")
    deadline = date.today() + timedelta(days=30)
    form = _campaign_form(templates, deadline, **{field: values})
    response = _post(client, "/bureau/pledges/campaigns/new", form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(db, PledgeCampaign) == 0


def test_campaign_form_without_templates_says_what_to_do(db, client, auth, make_user):
    make_user(Role.ADMIN, "camp_admin")
    auth.login("camp_admin")
    page = client.get("/bureau/pledges/campaigns/new").get_data(as_text=True)
    assert "需要已签发的承诺书模板版本" in page


# --- Compliance and export ------------------------------------------------------------------


@pytest.fixture
def counted(db, make_facility):
    """Five facilities in two counties through every state; the deadline has passed."""
    names = ["甲医院", "乙医院", "丙医院", "丁药房", "戊药房"]
    facilities = []
    for n, name in enumerate(names):
        pharmacy = "药房" in name
        facilities.append(
            make_facility(
                name=('=HYPERLINK("x")' if n == 4 else "") + name,
                county="崇川区" if n < 3 else "海门区",
                kind=FacilityKind.PHARMACY if pharmacy else FacilityKind.HOSPITAL,
                level=HospitalLevel.UNRATED if pharmacy else HospitalLevel.SECONDARY,
            )
        )
    opened = date(2026, 3, 1)
    campaign = h.make_campaign(today=opened, deadline=date(2026, 5, 31))
    p = [h.pledge_of(db, campaign, f) for f in facilities]
    # 0: not downloaded; 1: downloaded; 2: uploaded; 3: verified; 4: rejected
    from portal.operations.pledges import mark_downloaded

    mark_downloaded(None, p[1])
    for pledge in p[2:]:
        h.upload(None, pledge, samples.good_pdf(pages=1 + pledge.id % 3), today=opened)
    h.verify(None, p[3])
    h.reject(None, p[4])
    return campaign, facilities


def test_compliance_counts_by_county_and_kind(db, counted):
    campaign, _ = counted
    before = compliance(campaign, date(2026, 5, 31))
    assert before["totals"] == {
        "not_downloaded": 1,
        "downloaded": 1,
        "uploaded": 1,
        "verified": 1,
        "rejected": 1,
        "overdue": 0,
        "total": 5,
    }
    after = compliance(campaign, date(2026, 6, 1))
    assert after["totals"]["overdue"] == 3  # not downloaded, downloaded, rejected
    rows = {(r["county"], r["kind"]): r["counts"] for r in after["rows"]}
    assert rows[("崇川区", FacilityKind.HOSPITAL)]["total"] == 3
    assert rows[("崇川区", FacilityKind.HOSPITAL)]["overdue"] == 2
    assert rows[("海门区", FacilityKind.PHARMACY)] | {} == {
        "not_downloaded": 0,
        "downloaded": 0,
        "uploaded": 0,
        "verified": 1,
        "rejected": 1,
        "overdue": 1,
        "total": 2,
    }
    only = compliance(campaign, date(2026, 6, 1), county="海门区")
    assert only["totals"]["total"] == 2


def test_compliance_page_and_xlsx_export(db, client, auth, make_user, counted):
    campaign, facilities = counted
    make_user(Role.AUDITOR, "exp_auditor")
    auth.login("exp_auditor")
    page = client.get(f"/bureau/pledges/campaigns/{campaign.id}").get_data(as_text=True)
    for label in ("未下载", "已下载", "已上传待审核", "已核验", "已退回", "逾期"):
        assert label in page
    overdue_page = client.get(f"/bureau/pledges/campaigns/{campaign.id}?status=overdue")
    assert facilities[0].name in overdue_page.get_data(as_text=True)
    response = client.get(f"/bureau/pledges/campaigns/{campaign.id}/overdue.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    # Contacts' names and phone numbers: no cache may keep the file.
    assert response.cache_control.private and response.cache_control.no_store
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("县（市、区）", "机构名称", "医保定点编码")
    names = sorted(r[1] for r in rows[1:])
    # Today is past 2026-05-31: not downloaded, downloaded and rejected are overdue.
    assert names == sorted([facilities[0].name, facilities[1].name, facilities[4].name])
    # A name that starts with "=" is written as text, as typed: never as a formula, and
    # marked as text so that editing the cell keeps it so.
    cell = next(row[1] for row in sheet.iter_rows(min_row=2) if row[1].value.startswith("="))
    assert cell.data_type == "s" and cell.quotePrefix
    rejected = next(r for r in rows[1:] if r[1].startswith("="))
    assert rejected[9] == "公章不清晰" and rejected[11] > 0
    filtered = client.get(f"/bureau/pledges/campaigns/{campaign.id}/overdue.xlsx?county=海门区")
    assert len(list(load_workbook(io.BytesIO(filtered.get_data())).active.iter_rows())) == 2


def test_overdue_export_leaves_out_control_characters_xlsx_cannot_hold(
    db, client, auth, make_user, counted
):
    """A control character typed into a name (a form stored it before they were refused)
    is left out of the export rather than failing it; a leading "+" stays as written."""
    campaign, facilities = counted
    facilities[0].name = "控制\x1b字符医院"
    facilities[0].contact_phone = "+86 513 8512 3456"
    db.session.commit()
    make_user(Role.AUDITOR, "ctl_auditor")
    auth.login("ctl_auditor")
    response = client.get(f"/bureau/pledges/campaigns/{campaign.id}/overdue.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))
    row = next(r for r in rows if r[1] == "控制字符医院")
    assert row[7] == "+86 513 8512 3456"


# --- Review queue ------------------------------------------------------------------------


def test_review_queue_lists_uploads_oldest_first(db, client, auth, make_user, make_facility):
    first, second = make_facility(name="先上传医院"), make_facility(name="后上传医院")
    campaign = h.make_campaign()
    h.upload(None, h.pledge_of(db, campaign, first))
    h.upload(None, h.pledge_of(db, campaign, second), samples.good_pdf(pages=2))
    make_user(Role.APPROVER, "queue_approver")
    auth.login("queue_approver")
    page = client.get("/bureau/pledges/review").get_data(as_text=True)
    assert page.index("先上传医院") < page.index("后上传医院")
    # A search that finds none says so, not that nothing waits.
    none = client.get("/bureau/pledges/review?q=不存在的机构").get_data(as_text=True)
    assert "没有与“不存在的机构”相符的待审核扫描件。" in none and "没有待审核的" not in none
    assert PledgeStatus.UPLOADED.label in client.get(
        f"/bureau/pledges/campaigns/{campaign.id}"
    ).get_data(as_text=True)
