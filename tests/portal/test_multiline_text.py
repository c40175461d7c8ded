"""Free text typed in a <textarea> keeps its line breaks where it is shown: the value is
wrapped in an element with the ``multiline`` class (``white-space: pre-line``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from portal.models.credit import CreditAppeal
from portal.models.enums import Role
from portal.operations.credit import recompute_grade
from portal.web import china_today
from tests.conftest import csrf_token
from tests.credit_helpers import confirmed_finding, inspection, two_inspectors

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"


def _shown(html: str, escaped: str) -> bool:
    return f'<span class="multiline">{escaped}</span>' in html


def test_the_multiline_class_keeps_line_breaks():
    assert ".multiline { white-space: pre-line; }" in CSS.read_text(encoding="utf-8")


def test_a_self_inspection_report_keeps_its_line_breaks(client, auth, make_user, make_facility):
    make_user(Role.FACILITY, "fac_lines", facility=make_facility())
    auth.login("fac_lines")
    page = client.get("/facility/self-inspections").get_data(as_text=True)
    report = {
        "csrf_token": csrf_token(page),
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        "problems": "1、重复收费\n2、串换药品 <b>",
        "amount_refunded": "0",
    }
    assert client.post("/facility/self-inspections", data=report).status_code == 302
    html = client.get("/facility/self-inspections").get_data(as_text=True)
    assert _shown(html, "1、重复收费\n2、串换药品 &lt;b&gt;")


def test_objection_and_finding_text_keep_their_line_breaks(
    db, client, auth, make_user, make_facility
):
    """The facility's objection reason on the bureau's page, and the finding's description
    on both the bureau's finding page and the facility's “我的信用”."""
    own = make_facility()
    one, two = two_inspectors(make_user)
    today = china_today()
    finding, _ = confirmed_finding(
        one, inspection(one, own, [one, two], start=today), today=today, decision_date=today,
        period_start=None, period_end=None, description="一、分解收费\n二、重复收费",
    )  # fmt: skip
    recompute_grade(own, "manual", today=today)
    make_user(Role.FACILITY, "fac_lines", facility=own)
    officer = make_user(Role.CREDIT_OFFICER, "officer_lines")
    db.session.commit()

    auth.login("fac_lines")
    assert _shown(
        client.get("/facility/credit").get_data(as_text=True), "一、分解收费\n二、重复收费"
    )
    form = client.get("/facility/credit/appeal").get_data(as_text=True)
    data = {"csrf_token": csrf_token(form), "subject": "grade", "reason": "理由一\n理由二 & 三"}
    assert client.post("/facility/credit/appeal", data=data).status_code == 302
    appeal = db.session.scalar(select(CreditAppeal))
    auth.logout()

    auth.login(officer.username)
    html = client.get(f"/bureau/credit/appeals/{appeal.id}").get_data(as_text=True)
    assert _shown(html, "理由一\n理由二 &amp; 三")
    html = client.get(f"/bureau/findings/{finding.id}").get_data(as_text=True)
    assert _shown(html, "一、分解收费\n二、重复收费")
