"""Registering and editing staff through the bureau's forms: practice sites, ID numbers, lists."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.models.audit import AuditLog
from portal.models.staff import StaffMember, StaffPractice
from portal.web import china_today
from tests.factories import id_number
from tests.portal.web_helpers import count_rows as _count
from tests.portal.web_helpers import post_form as _post


def _listed_staff(html: str) -> list[str]:
    return re.findall(r'<a href="/bureau/staff/\d+">([^<]+)</a>', html)


def _staff_form(n: int, sites: str, **overrides) -> dict:
    data = {
        "name": f"员工{n}",
        "staff_code": f"D{320700000000 + n}",
        "id_number": id_number(n, "19900101"),
        "profession": "doctor",
        "site_codes": sites,
    }
    data.update(overrides)
    return data


@pytest.fixture
def sites(db, make_facility):
    made = [make_facility(name=f"执业点{n}") for n in range(1, 4)]
    db.session.commit()
    return made


def _staff(db, staff_code: str) -> StaffMember | None:
    return db.session.scalar(select(StaffMember).where(StaffMember.staff_code == staff_code))


def test_create_staff_with_multi_site_practice(db, editor, sites):
    a, b, c = sites
    # Separated as typed, and by a tab (pasted from a spreadsheet row).
    codes = f"{b.site_code}，{a.site_code.lower()}; {c.site_code}\t{b.site_code}"
    # Codes pasted with spaces around them (an ID number 18 characters long without).
    form = _staff_form(401, codes, profession="nurse")
    form |= {"staff_code": f" {form['staff_code']} ", "id_number": f"  {form['id_number']}  "}
    response = _post(editor, "/bureau/staff/new", form)
    assert response.status_code == 302
    staff = _staff(db, "D320700000401")
    assert staff is not None and staff.id_number_masked.endswith(form["id_number"][-6:-2])
    assert [f.site_code for f in staff.facilities] == [b.site_code, a.site_code, c.site_code]
    primary = [p.facility.site_code for p in staff.practices if p.is_primary]
    assert primary == [b.site_code]
    assert all(p.start_date == china_today() and p.end_date is None for p in staff.practices)
    detail = editor.get(response.headers["Location"]).get_data(as_text=True)
    for site in sites:
        assert site.name in detail


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"site_codes": "H99999999999"}, "未找到定点机构：H99999999999"),
        ({"site_codes": ""}, "此项必填"),
        ({"id_number": ""}, "此项必填"),
        ({"id_number": "320602199001010010"}, "身份证号校验位错误"),
        ({"id_number": "32060219900230001X"}, "身份证号中的出生日期无效"),
        ({"id_number": "12345"}, "身份证号应为18位"),
        ({"staff_code": "12345"}, "人员编码应为1位大写字母加8至20位数字"),
        ({"name": ""}, "此项必填"),
        ({"name": "\u200b"}, "此项必填"),  # a zero-width space, which strip() keeps
        ({"name": "李\x1b四"}, "不能包含换行、制表符等控制字符"),
    ],
)
def test_invalid_staff_is_refused_and_not_saved(db, editor, sites, change, message):
    form = _staff_form(402, sites[0].site_code) | change
    if change.get("id_number") == "320602199001010010":
        valid = id_number(1, "19900101")
        assert valid[-1] != "0", "test data: pick a number whose check digit is not 0"
    before = (_count(db, StaffMember), _count(db, StaffPractice), _count(db, AuditLog))
    response = _post(editor, "/bureau/staff/new", form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert (_count(db, StaffMember), _count(db, StaffPractice), _count(db, AuditLog)) == before


def test_unknown_site_code_among_known_ones_saves_nothing(db, editor, sites):
    form = _staff_form(403, f"{sites[0].site_code} H99999999998")
    response = _post(editor, "/bureau/staff/new", form)
    assert "未找到定点机构：H99999999998" in response.get_data(as_text=True)
    assert _staff(db, form["staff_code"]) is None


def test_duplicate_id_number_and_staff_code_are_refused(db, editor, sites, make_staff):
    existing = make_staff([sites[0]], id_number=id_number(404, "19900101"))
    db.session.commit()
    form = _staff_form(405, sites[1].site_code, id_number=id_number(404, "19900101").lower())
    response = _post(editor, "/bureau/staff/new", form)
    assert "该身份证号已登记为其他人员" in response.get_data(as_text=True)
    assert _staff(db, form["staff_code"]) is None
    # The refusal confirms whose number it is: it is on the audit trail, naming the holder.
    taken = db.session.scalars(select(AuditLog).filter_by(action="staff.id_taken")).all()
    assert [(row.object_type, row.object_id) for row in taken] == [("staff", str(existing.id))]

    form = _staff_form(406, sites[1].site_code, staff_code=existing.staff_code)
    response = _post(editor, "/bureau/staff/new", form)
    assert "该人员编码已登记" in response.get_data(as_text=True)
    assert _count(db, StaffMember) == 1


def test_editing_practices_ends_removed_ones(db, editor, sites, make_staff):
    a, b, c = sites
    staff = make_staff([a, b], name="钱多点")
    db.session.commit()
    original_hash = staff.id_number_hash
    url = f"/bureau/staff/{staff.id}/edit"
    page = editor.get(url).get_data(as_text=True)
    assert f"{a.site_code} {b.site_code}" in page
    assert id_number(1) not in page  # the edit form never pre-fills the ID number

    form = {
        "name": staff.name,
        "staff_code": staff.staff_code,
        "id_number": "",
        "profession": "doctor",
        "site_codes": f"{b.site_code} {c.site_code}",
    }
    assert _post(editor, url, form).status_code == 302
    db.session.expire_all()
    staff = db.session.get(StaffMember, staff.id)
    by_site = {p.facility.site_code: p for p in staff.practices}
    assert set(by_site) == {a.site_code, b.site_code, c.site_code}  # nothing deleted
    assert by_site[a.site_code].end_date == china_today()
    assert not by_site[a.site_code].is_primary
    assert by_site[b.site_code].end_date is None and by_site[b.site_code].is_primary
    assert by_site[c.site_code].end_date is None and not by_site[c.site_code].is_primary
    assert by_site[b.site_code].start_date == date(2026, 1, 5)  # kept from registration
    assert [f.site_code for f in staff.facilities] == [b.site_code, c.site_code]
    assert staff.id_number_hash == original_hash  # blank ID keeps the stored one

    # The ended practice stays visible in the person's history.
    detail = editor.get(f"/bureau/staff/{staff.id}").get_data(as_text=True)
    assert a.name in detail and china_today().isoformat() in detail

    # Back at the first site: the link reopens.
    assert _post(editor, url, form | {"site_codes": a.site_code}).status_code == 302
    db.session.expire_all()
    staff = db.session.get(StaffMember, staff.id)
    open_sites = [f.site_code for f in staff.facilities]
    assert open_sites == [a.site_code]
    assert _count(db, StaffPractice) == 3


def test_edit_staff_with_new_id_number(db, editor, sites, make_staff):
    staff = make_staff([sites[0]])
    other = make_staff([sites[1]])
    db.session.commit()
    url = f"/bureau/staff/{staff.id}/edit"
    form = {
        "name": staff.name,
        "staff_code": staff.staff_code,
        "profession": "doctor",
        "site_codes": sites[0].site_code,
    }
    new_number = id_number(421, "19751111")
    assert _post(editor, url, form | {"id_number": new_number}).status_code == 302
    db.session.expire_all()
    assert db.session.get(StaffMember, staff.id).id_number_masked == (
        new_number[:4] + "*" * 10 + new_number[-4:]
    )
    # Taking another person's number is refused, and on the audit trail.
    response = _post(editor, url, form | {"id_number": id_number(2)})
    assert "该身份证号已登记为其他人员" in response.get_data(as_text=True)
    assert other.id_number_hash != db.session.get(StaffMember, staff.id).id_number_hash
    taken = db.session.scalars(select(AuditLog).filter_by(action="staff.id_taken")).all()
    assert [row.object_id for row in taken] == [str(other.id)]
    # The person's own number, sent again with the form, is no one else's: nothing recorded.
    assert _post(editor, url, form | {"id_number": new_number}).status_code == 302
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "staff.id_taken")) == 1


def test_a_corrected_id_number_is_audited_though_its_masked_form_is_the_same(
    db, editor, sites, make_staff
):
    """Correcting the birth date in an ID number may leave its first and last four
    characters, all the summaries show, as they were: the change is audited all the same."""
    old, new = "32060219850330795X", "32060219850306795X"
    assert old[:4] + old[-4:] == new[:4] + new[-4:]
    staff = make_staff([sites[0]], id_number=old)
    db.session.commit()
    form = {
        "name": staff.name,
        "staff_code": staff.staff_code,
        "profession": "doctor",
        "site_codes": sites[0].site_code,
    }
    url = f"/bureau/staff/{staff.id}/edit"
    assert _post(editor, url, form | {"id_number": new}).status_code == 302
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "staff.update")).all()
    assert len(rows) == 1 and rows[0].object_id == str(staff.id)
    assert rows[0].note == "身份证号已更正"
    assert new not in str(rows[0].summary)
    # The same number typed again changes nothing and adds no row.
    assert _post(editor, url, form | {"id_number": new}).status_code == 302
    assert _count(db, AuditLog, AuditLog.action == "staff.update") == 1


def test_search_staff_by_exact_id_number_only(db, editor, sites, make_staff):
    full = id_number(777, "19910203")
    make_staff([sites[0]], name="陈搜索", staff_code="N12345678", id_number=full)
    make_staff([sites[1]], name="林其他", staff_code="N87654321", id_number=id_number(778))
    db.session.commit()

    def found(q: str) -> list[str]:
        response = editor.get("/bureau/staff", query_string={"q": q})
        return _listed_staff(response.get_data(as_text=True))

    assert found(full) == ["陈搜索"]
    assert found(full.lower()) == ["陈搜索"]
    assert found(f"  {full} ") == ["陈搜索"]
    masked = full[:4] + "*" * 10 + full[-4:]
    for partial in (full[:10], full[6:14], full[-6:], full[:17], masked, full[-4:]):
        assert found(partial) == [], partial
    assert found("陈搜") == ["陈搜索"]
    assert found("N1234") == ["陈搜索"]


def test_staff_list_filters_by_profession(db, editor, sites, make_staff):
    from portal.models.enums import Profession

    make_staff([sites[0]], name="护士甲", profession=Profession.NURSE)
    make_staff([sites[0]], name="药师乙", profession=Profession.PHARMACIST)
    db.session.commit()
    page = editor.get("/bureau/staff", query_string={"profession": "nurse"})
    assert _listed_staff(page.get_data(as_text=True)) == ["护士甲"]


def test_facility_detail_lists_its_current_staff(db, editor, sites, make_staff):
    make_staff([sites[0], sites[1]], name="两地医生")
    make_staff([sites[1]], name="别处医生")
    db.session.commit()
    page = editor.get(f"/bureau/facilities/{sites[0].id}").get_data(as_text=True)
    assert _listed_staff(page) == ["两地医生"]


def test_no_new_practice_where_the_agreement_has_ended(db, editor, sites, make_staff):
    """A facility whose agreement is terminated takes no new practice link; a person
    already linked there keeps the link when the form is saved again."""
    from portal.models.enums import FacilityStatus

    a, b, c = sites
    staff = make_staff([a, b], name="孙立")
    b.status = c.status = FacilityStatus.TERMINATED
    db.session.commit()
    before = (_count(db, StaffMember), _count(db, StaffPractice), _count(db, AuditLog))

    form = _staff_form(407, f"{a.site_code} {c.site_code}")
    response = _post(editor, "/bureau/staff/new", form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"{c.name}（{c.site_code}） 已解除医保服务协议，不能新增执业登记" in page
    assert (_count(db, StaffMember), _count(db, StaffPractice), _count(db, AuditLog)) == before

    url = f"/bureau/staff/{staff.id}/edit"
    edit = {"name": staff.name, "staff_code": staff.staff_code, "id_number": "",
            "profession": "doctor"}  # fmt: skip
    every = f"{a.site_code} {b.site_code} {c.site_code}"
    refused = _post(editor, url, edit | {"site_codes": every}).get_data(as_text=True)
    # Only the new link is refused: the open one at b is not named.
    assert f"{c.name}（{c.site_code}） 已解除医保服务协议" in refused
    assert f"{b.name}（{b.site_code}）、" not in refused
    assert _count(db, StaffPractice) == before[1]
    # The open link at the terminated facility stays; the name change is saved.
    kept = _post(
        editor, url, edit | {"name": "孙立新", "site_codes": f"{a.site_code} {b.site_code}"}
    )
    assert kept.status_code == 302
    db.session.expire_all()
    staff = db.session.get(StaffMember, staff.id)
    assert staff.name == "孙立新"
    assert [f.site_code for f in staff.facilities] == [a.site_code, b.site_code]
