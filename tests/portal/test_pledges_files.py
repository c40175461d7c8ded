"""Rendered PDFs through the cache, the CLI (render-campaign, storage check) and the pledge
facts the credit engine reads."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta

import pytest

import pledges.render as pledge_render
from portal.models.enums import Role
from portal.models.pledge_extras import RenderedPledgeFile
from portal.operations.pledges import (
    latest_pledge_signed_on,
    mark_downloaded,
    pledge_credit_facts,
)
from portal.storage import check_storage, get_storage
from scoring.credit import PledgeFact
from tests.pledges import samples
from tests.portal import pledge_helpers as h

pytestmark = pytest.mark.usefixtures("storage_root")


@pytest.fixture
def counting(monkeypatch):
    calls = []
    real = pledge_render.render_pdf

    def counted(doc, variant="pledge"):
        calls.append(variant)
        return real(doc, variant)

    monkeypatch.setattr(pledge_render, "render_pdf", counted)
    return calls


def _get(client, url):
    response = client.get(url)
    data = response.get_data()
    response.close()
    return response, data


def test_a_repeat_download_does_not_render_again(
    db, client, auth, make_user, make_facility, counting, tmp_path
):
    facility = make_facility(name="南通市缓存测试医院")
    make_user(Role.FACILITY, "cache_user", facility=facility)
    h.make_campaign()
    db.session.commit()
    auth.login("cache_user")
    first, pdf = _get(client, "/facility/pledge/pdf")
    assert first.status_code == 200 and counting == ["pledge"]
    again, pdf_again = _get(client, "/facility/pledge/pdf")
    assert pdf_again == pdf and counting == ["pledge"]
    # The public link to the same document is the same cached file.
    public, pdf_public = _get(client, f"/facilities/{facility.site_code}/pledge.pdf")
    assert pdf_public == pdf and counting == ["pledge"]
    assert db.session.scalar(db.select(db.func.count()).select_from(RenderedPledgeFile)) == 1

    # The PDF is the real thing: facility name inside, QR code to the verify page.
    path = tmp_path / "p.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    assert facility.name in "".join(text.stdout.decode().split())
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page")],
        check=True,
    )
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    assert decoded == f"http://localhost/v/{facility.site_code}"

    # A change to printed data renders a new document; a deleted cache file is re-rendered.
    facility.legal_representative = "新负责人"
    db.session.commit()
    _get(client, "/facility/pledge/pdf")
    assert counting == ["pledge", "pledge"]
    row = db.session.scalars(db.select(RenderedPledgeFile).order_by(RenderedPledgeFile.id)).all()[
        -1
    ]
    get_storage().delete(row.file_key)
    response, _pdf = _get(client, "/facility/pledge/pdf")
    assert response.status_code == 200 and counting == ["pledge", "pledge", "pledge"]


def test_storage_check_finds_orphans_and_missing_files(db, runner, make_facility):
    facility = make_facility()
    pledge = h.pledge_of(db, h.make_campaign(), facility)
    upload = h.upload(None, pledge, samples.good_pdf(pages=2))
    kept = h.upload(None, pledge, samples.good_pdf(pages=3))
    db.session.commit()
    storage = get_storage()
    orphan = storage.store(b"%PDF-1.4 nobody refers to me").key
    storage.delete(upload.file_key)
    report = check_storage()
    assert report.orphans == [orphan] and report.missing == [upload.file_key]
    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 1
    assert orphan in result.output and upload.file_key in result.output
    assert "孤立文件" in result.output and "缺失文件" in result.output
    assert kept.file_key not in result.output
    # Deleting orphans spares young files, then removes old ones.
    result = runner.invoke(args=["storage", "check", "--delete-orphans"])
    assert storage.exists(orphan)
    result = runner.invoke(args=["storage", "check", "--delete-orphans", "--min-age", "-1"])
    assert not storage.exists(orphan) and "已删除孤立文件 1 个" in result.output


def test_render_campaign_renders_every_pledge_with_a_pool(
    app, db, runner, make_facility, monkeypatch
):
    for n in range(3):
        make_facility(name=f"批量渲染医院{n}")
    campaign = h.make_campaign()
    db.session.commit()
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://ybj.example.gov.cn")
    result = runner.invoke(
        args=[
            "pledges",
            "render-campaign",
            str(campaign.id),
            "--workers",
            "2",
            "--variant",
            "pledge",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "需渲染 3 份" in result.output and "完成：渲染 3 份" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(RenderedPledgeFile)) == 3
    again = runner.invoke(
        args=["pledges", "render-campaign", str(campaign.id), "--variant", "pledge"]
    )
    assert "需渲染 0 份，已缓存 3 份" in again.output


def test_render_campaign_errors(app, db, runner, make_facility):
    assert runner.invoke(args=["pledges", "render-campaign", "999"]).exit_code == 1
    make_facility()
    campaign = h.make_campaign()
    result = runner.invoke(args=["pledges", "render-campaign", str(campaign.id)])
    assert result.exit_code == 1 and "PUBLIC_BASE_URL" in result.output


def test_issue_samples_command(db, runner):
    result = runner.invoke(args=["pledges", "issue-samples"])
    assert "已签发 定点医疗机构 第1版" in result.output
    assert "已签发 定点零售药店 第1版" in result.output
    assert "已有模板版本" in runner.invoke(args=["pledges", "issue-samples"]).output


# --- Credit facts ---------------------------------------------------------------------------


def test_pledge_credit_facts(db, make_facility, make_user):
    on_time, late, pending, never, good = (make_facility() for _ in range(5))
    opened, deadline = date(2026, 3, 1), date(2026, 5, 31)
    campaign = h.make_campaign(today=opened, deadline=deadline)
    campaign.created_at = campaign.created_at.replace(year=2026, month=3, day=1, hour=2)
    p = {f.id: h.pledge_of(db, campaign, f) for f in (on_time, late, pending, never, good)}

    h.upload(None, p[on_time.id], today=opened)
    h.verify(None, p[on_time.id])
    # Uploaded after the deadline and verified: filed late.
    h.upload(None, p[late.id], today=deadline + timedelta(days=3))
    # Fixed times of day (10:00 China time): a time carried over from "now" could fall on
    # the next China day, or on a day the month does not have.
    p[late.id].uploads[-1].uploaded_at = (
        p[late.id].uploads[-1].uploaded_at.replace(year=2026, month=6, day=3, hour=2, minute=0)
    )
    h.verify(None, p[late.id])
    h.upload(None, p[pending.id], today=opened)
    mark_downloaded(None, p[never.id])
    h.upload(None, p[good.id], today=opened)
    h.verify(None, p[good.id])
    checked = h.posting_check(None, good, campaign, posted=False, checked_on=date(2026, 6, 10))
    h.posting_check(None, on_time, campaign, posted=True, checked_on=date(2026, 6, 10))
    db.session.flush()

    # Back-date the on-time uploads and their review: the helpers act "now".
    for f in (on_time, pending, good):
        upload = p[f.id].uploads[-1]
        upload.uploaded_at = upload.uploaded_at.replace(year=2026, month=5, day=1, hour=2, minute=0)
        for decision in p[f.id].decisions:
            decision.decided_at = decision.decided_at.replace(
                year=2026, month=5, day=2, hour=2, minute=0
            )
    db.session.flush()
    as_of = date.today() + timedelta(days=1)
    assert pledge_credit_facts(on_time.id, as_of) == []
    assert pledge_credit_facts(late.id, as_of) == [PledgeFact(p[late.id].id, "not_filed", deadline)]
    assert pledge_credit_facts(pending.id, as_of) == [
        PledgeFact(p[pending.id].id, "not_filed", deadline)
    ]
    assert pledge_credit_facts(never.id, as_of) == [
        PledgeFact(p[never.id].id, "not_filed", deadline)
    ]
    assert pledge_credit_facts(good.id, as_of) == [
        PledgeFact(checked.id, "not_posted", date(2026, 6, 10), source="posting_check")
    ]
    # Before the deadline nothing has failed yet; before the check there is no posting fact.
    assert pledge_credit_facts(never.id, deadline) == []
    assert pledge_credit_facts(good.id, date(2026, 6, 9)) == []
    # Verified on time, but judged as of a day before the verification: not filed yet.
    assert pledge_credit_facts(on_time.id, date(2026, 5, 1)) == []  # deadline not passed
    assert [f.kind for f in pledge_credit_facts(late.id, date(2026, 6, 2))] == ["not_filed"]
    assert latest_pledge_signed_on(good.id, as_of) == date(2026, 5, 1)
    assert latest_pledge_signed_on(never.id, as_of) is None


def test_credit_facts_feed_the_engine(db, make_facility):
    from scoring.credit import FacilityFacts, compute_facility_score
    from scoring.credit_rules import load_credit_rulebook

    facility = make_facility()
    h.make_campaign(today=date(2026, 3, 1), deadline=date(2026, 5, 31))
    facts = FacilityFacts(
        facility_id=facility.id,
        agreement_start=date(2020, 1, 1),
        pledge=tuple(pledge_credit_facts(facility.id, date(2026, 7, 1))),
    )
    result = compute_facility_score(facts, date(2026, 7, 1), load_credit_rulebook())
    assert any(item.rule == "pledge.not_filed" for item in result.items)
