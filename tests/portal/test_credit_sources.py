"""The breakdown names the record behind each line by its decision number, as the facility
knows it, instead of a database id; a person's points decided at another facility keep
their id on the facility's page (what they were for is that facility's business)."""

from __future__ import annotations

from datetime import date

from portal.models.enums import PointSource, Responsibility, Role, Severity
from portal.operations.credit import latest_grade
from portal.operations.points import record_points
from tests.credit_helpers import TODAY, confirmed_finding, inspection, two_inspectors


def test_breakdown_sources_read_as_decision_numbers(
    db, client, auth, make_facility, make_staff, make_user
):
    facility, elsewhere = make_facility(), make_facility()
    one, two = two_inspectors(make_user)
    finding, _row = confirmed_finding(one, inspection(one, facility, [one, two]))
    staff = make_staff([facility, elsewhere])
    for at, severity, day, number in (
        (facility, Severity.MODERATE, date(2026, 3, 1), "通医保记〔2026〕31号"),
        (elsewhere, Severity.MINOR, date(2026, 4, 1), "通医保记〔2026〕32号"),  # suspended
    ):
        last = record_points(
            one, staff, facility=at, violation="串换药品", severity=severity,
            responsibility=Responsibility.MAIN, decided_on=day, source=PointSource.FINDING,
            reference=number, today=TODAY,
        )  # fmt: skip
    items = latest_grade(facility.id).breakdown
    assert {i["source_type"] for i in items} == {"finding", "point_record"}
    make_user(Role.FACILITY, "sources_facility", facility=facility)
    make_user(Role.AUDITOR, "sources_auditor")
    db.session.commit()

    pages = {}
    for username, url in (
        ("sources_facility", "/facility/credit"),
        ("sources_auditor", f"/bureau/facilities/{facility.id}/credit"),
    ):
        auth.login(username)
        pages[username] = page = client.get(url).get_data(as_text=True)
        assert f"违规认定 {finding.decision_number}" in page, username
        assert f"违规认定 #{finding.id}" not in page, username
        auth.logout()
    # The suspension came from the record decided at the other facility: the facility
    # sees its id, the bureau its number.
    assert f"人员记分 #{last.id}" in pages["sources_facility"]
    assert "通医保记〔2026〕32号" not in pages["sources_facility"]
    assert "人员记分 通医保记〔2026〕32号" in pages["sources_auditor"]


def test_a_posting_check_line_names_its_day_and_links_to_it(
    db, client, auth, make_facility, make_user, storage_root, monkeypatch
):
    import pledges.render as pledge_render
    from tests.portal import pledge_helpers as h
    from tests.portal.web_helpers import post_form

    monkeypatch.setattr(pledge_render, "render_pdf", h.fake_pdf)
    facility = make_facility()
    campaign = h.make_campaign()
    make_user(Role.INSPECTOR, "posting_inspector")
    make_user(Role.FACILITY, "posting_facility", facility=facility)
    db.session.commit()
    auth.login("posting_inspector")
    form = {"campaign_id": str(campaign.id), "posted": "no", "checked_on": h.TODAY.isoformat(),
            "inspection_id": "0", "note": "未张贴"}  # fmt: skip
    url = f"/bureau/facilities/{facility.id}/pledges/posting"
    assert post_form(client, url, form).status_code == 302
    (item,) = [i for i in latest_grade(facility.id).breakdown if i["rule"] == "pledge.not_posted"]
    check_id = item["source_id"]
    page = client.get(f"/bureau/facilities/{facility.id}/credit").get_data(as_text=True)
    anchor = f"/bureau/facilities/{facility.id}/pledges#posting-check-{check_id}"
    assert f'<a href="{anchor}">承诺书张贴检查 {h.TODAY.isoformat()}</a>' in page
    assert f'id="posting-check-{check_id}"' in client.get(anchor.partition("#")[0]).get_data(
        as_text=True
    )
    auth.logout()
    auth.login("posting_facility")
    page = client.get("/facility/credit").get_data(as_text=True)
    assert f'<a href="/facility/pledge">承诺书张贴检查 {h.TODAY.isoformat()}</a>' in page
