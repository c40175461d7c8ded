"""An import's header and rows: errors per row, all or nothing, updates, dry runs; staff rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import (
    AuditLog,
    Facility,
    FacilityKind,
    FacilityStatus,
    HospitalLevel,
    Profession,
    StaffMember,
)
from tests.factories import credit_code, id_number, site_code
from tests.portal.import_helpers import (
    FACILITY_HEADER,
    STAFF_HEADER,
    csv_bytes,
    facility_row,
    run,
    staff_row,
)
from tests.portal.web_helpers import audit_rows
from tests.portal.web_helpers import count_rows as count

# --- header and row checks ----------------------------------------------------------------


def test_bad_row_among_good_ones_imports_nothing(db):
    bad = facility_row(8)
    bad["统一社会信用代码"] = credit_code(8)[:17] + ("0" if credit_code(8)[17] != "0" else "1")
    several = facility_row(9, **{"机构类别": "卫生所", "统一社会信用代码": "1232"})
    rows = [facility_row(7), bad, several]
    report = run("facilities", csv_bytes(rows))
    assert not report.ok
    assert [r.status for r in report.rows] == ["create", "error", "error"]
    assert report.rows[1].line == 3
    assert report.rows[1].errors == ["统一社会信用代码：统一社会信用代码校验位错误"]
    # A row with several mistakes lists them all, the registry's checks included.
    assert report.rows[2].errors == [
        "机构类别：“卫生所”无效，可填：医院、基层诊所、定点零售药店",
        "统一社会信用代码：统一社会信用代码应为18位",
    ]
    lines = report.lines()
    assert any(ln.startswith("第 3 行") and "校验位错误" in ln for ln in lines)
    assert lines[-1] == "共 3 行：新增 1 条，更新 0 条，无变化 0 条，错误 2 条。"
    assert count(db, Facility) == 0
    assert count(db, AuditLog) == 0


def test_a_county_off_the_list_is_refused_by_row(db):
    rows = [
        facility_row(7),
        facility_row(8, **{"县区": "海门"}),
        facility_row(9, **{"县区": "静安区"}),
    ]
    report = run("facilities", csv_bytes(rows))
    assert not report.ok
    assert report.rows[1].errors == ["县区：请写全称“海门区”"]
    assert report.rows[2].errors[0].startswith("县区：不是南通市的县（市、区），请填写：崇川区")
    assert count(db, Facility) == 0


def test_a_line_break_or_tab_in_a_one_line_cell_becomes_a_space(db):
    """Stored as typed, it made a later edit of the record refuse a field nobody touched.
    Line breaks typed in a cell (Alt+Enter) are common: they become a space, and codes drop
    them. (A file with other control characters is not read as CSV at all, and XLSX cells
    cannot hold them.)"""
    rows = [
        facility_row(7, **{"机构名称": "换行\n医院"}),
        facility_row(8, **{"联系人": "制表\t张三", "地址": "崇川区\r\n工农路1号"}),
        facility_row(9, **{"医保定点编码": site_code(9)[:6] + "\n" + site_code(9)[6:]}),
    ]
    report = run("facilities", csv_bytes(rows))
    assert report.ok, report.lines()
    stored = {f.site_code: f for f in db.session.scalars(select(Facility))}
    assert stored[site_code(7)].name == "换行 医院"
    assert (stored[site_code(8)].contact_name, stored[site_code(8)].address) == (
        "制表 张三",
        "崇川区 工农路1号",
    )
    assert site_code(9) in stored


def test_duplicate_codes_within_file(db):
    rows = [facility_row(10), facility_row(11), facility_row(12, **{"医保定点编码": site_code(10)})]
    report = run("facilities", csv_bytes(rows))
    assert not report.ok
    assert report.rows[2].errors == ["医保定点编码：与第 2 行重复"]
    assert count(db, Facility) == 0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ([h for h in FACILITY_HEADER if h != "地址"], "缺少表头：地址"),
        ([*FACILITY_HEADER, "备注"], "无法识别的表头：备注"),
        ([*FACILITY_HEADER, "地址"], "表头重复：地址"),
    ],
)
def test_header_problems_are_named(db, header, expected):
    report = run("facilities", csv_bytes([facility_row(13)], header=header))
    assert not report.ok
    assert expected in report.file_error
    assert count(db, Facility) == 0


def test_optional_columns_may_be_left_out(db):
    header = [h for h in FACILITY_HEADER if h not in ("状态", "联系人", "联系电话")]
    report = run("facilities", csv_bytes([facility_row(14)], header=header))
    assert report.ok, report.lines()


def test_header_only_and_row_limit(db, app, monkeypatch):
    report = run("facilities", csv_bytes([]))
    assert report.file_error == "文件只有表头，没有数据行"
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 2)
    report = run("facilities", csv_bytes([facility_row(n) for n in (15, 16, 17)]))
    assert "上限 2 行" in report.file_error
    assert run("facilities", csv_bytes([facility_row(n) for n in (15, 16)])).ok


def test_rows_with_too_many_or_too_few_cells(db):
    good = csv_bytes([facility_row(18)]).decode("utf-8-sig")
    lines = good.splitlines()
    data = "\r\n".join([lines[0], lines[1] + ",多余", "", lines[1].rsplit(",", 2)[0]])
    report = run("facilities", data.encode("utf-8"))
    assert [r.line for r in report.rows] == [2, 4]
    assert "第 14 列没有表头" in report.rows[0].errors[0]
    assert any("该行只有 11 列，表头有 13 列" in e for e in report.rows[1].errors)


def test_a_blank_level_keeps_a_hospitals_level_and_is_unrated_otherwise(db, make_facility):
    """Like the other optional cells, a blank level keeps what is stored on update; a new
    facility, or one that is no hospital, is 未定级."""
    hospital = make_facility(level=HospitalLevel.TERTIARY)
    into_clinic = make_facility(level=HospitalLevel.SECONDARY)
    rows = [
        facility_row(
            1,
            **{"医保定点编码": hospital.site_code, "统一社会信用代码": hospital.credit_code},
            医院等级="",
        ),
        facility_row(
            2,
            **{"医保定点编码": into_clinic.site_code, "统一社会信用代码": into_clinic.credit_code},
            机构类别="诊所",
            医院等级="",
        ),
        facility_row(3, 医院等级=""),
    ]
    report = run("facilities", csv_bytes(rows))
    assert report.ok, report.lines()
    db.session.expire_all()
    assert hospital.level is HospitalLevel.TERTIARY
    assert into_clinic.level is HospitalLevel.UNRATED
    created = db.session.scalar(select(Facility).where(Facility.site_code == site_code(3)))
    assert created.level is HospitalLevel.UNRATED


def test_update_existing_facility_is_audited(db, make_facility):
    facility = make_facility(name="旧名称医院", contact_name="王五")
    facility.status = FacilityStatus.SUSPENDED
    row = facility_row(
        1,
        **{
            "医保定点编码": facility.site_code,
            "统一社会信用代码": facility.credit_code,
            "机构名称": "南通市新名称医院",
            "联系人": "",
        },
    )
    report = run("facilities", csv_bytes([row]))
    assert report.ok, report.lines()
    assert (report.created, report.updated) == (0, 1)
    assert report.rows[0].status_label == "更新"
    db.session.refresh(facility)
    assert facility.name == "南通市新名称医院"
    assert facility.status is FacilityStatus.SUSPENDED  # blank optional cells keep values
    assert facility.contact_name == "王五"
    (change,) = audit_rows(db, "facility.update")
    assert change.object_id == str(facility.id)
    assert change.summary["before"]["name"] == "旧名称医院"
    assert change.summary["after"]["name"] == "南通市新名称医院"
    assert audit_rows(db, "import.facilities")[0].summary["after"] == {
        "created": 0,
        "updated": 1,
        "unchanged": 0,
    }


def test_dry_run_writes_nothing(db):
    report = run("facilities", csv_bytes([facility_row(19), facility_row(20)]), dry_run=True)
    assert report.ok
    assert report.created == 2
    assert count(db, Facility) == 0
    assert count(db, AuditLog) == 0
    # Its rows say what they would do, not that it was done.
    assert [r.status_label for r in report.rows] == ["可新增（未写入）"] * 2


def test_the_same_file_again_changes_nothing_and_says_so(db):
    rows = [facility_row(21), facility_row(22)]
    assert run("facilities", csv_bytes(rows)).created == 2
    again = run("facilities", csv_bytes([rows[0], facility_row(22, **{"联系人": "周敏"})]))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert [r.status_label for r in again.rows] == ["无变化", "更新"]
    assert again.lines()[-1] == "共 2 行：新增 0 条，更新 1 条，无变化 1 条，错误 0 条。"
    assert len(audit_rows(db, "facility.update")) == 1
    # A row that would be fine, in a file refused for another row, was not written.
    bad = facility_row(23, **{"协议开始日期": "2021-02-30"})
    refused = run("facilities", csv_bytes([facility_row(22, **{"联系人": "吴刚"}), bad]))
    assert not refused.ok and refused.rows[0].status_label == "可更新（未写入）"


# --- staff ----------------------------------------------------------------------------------


def test_staff_import_with_several_sites_then_update(db, make_facility):
    first, second = make_facility(), make_facility(kind=FacilityKind.CLINIC)
    rows = [
        staff_row(1, f"{first.site_code}；{second.site_code.lower()}"),
        staff_row(2, second.site_code, **{"职业类别": "nurse"}),
    ]
    report = run("staff", csv_bytes(rows, header=STAFF_HEADER))
    assert report.ok, report.lines()
    person = db.session.scalar(select(StaffMember).where(StaffMember.name == "季医生1"))
    assert person.profession is Profession.DOCTOR
    assert [(p.facility_id, p.is_primary) for p in person.practices] == [
        (first.id, True),
        (second.id, False),
    ]
    assert person.id_number_masked == "3206**********" + id_number(1, "19850607")[-4:]
    # Again with one site and a blank ID number: the person is updated, the ID kept.
    again = staff_row(1, second.site_code, **{"身份证号": "", "姓名": "季医生一"})
    report = run("staff", csv_bytes([again], header=STAFF_HEADER))
    assert report.ok, report.lines()
    assert report.updated == 1
    db.session.refresh(person)
    assert person.name == "季医生一"
    assert [f.id for f in person.facilities] == [second.id]
    assert len(audit_rows(db, "staff.update")) == 1
    assert len(audit_rows(db, "import.staff")) == 2


def test_staff_with_unknown_site_code_imports_nothing(db, make_facility):
    known = make_facility()
    rows = [staff_row(3, known.site_code), staff_row(4, f"{known.site_code} H32060299999")]
    report = run("staff", csv_bytes(rows, header=STAFF_HEADER))
    assert not report.ok
    assert report.rows[1].line == 3
    assert report.rows[1].errors == [
        "执业机构编码：H32060299999 未登记为定点机构（请先导入定点机构）"
    ]
    assert count(db, StaffMember) == 0


def test_staff_duplicate_id_numbers_and_missing_id(db, make_facility):
    site = make_facility().site_code
    rows = [
        staff_row(5, site),
        staff_row(6, site, **{"身份证号": id_number(5, "19850607")}),
        staff_row(7, site, **{"身份证号": ""}),
    ]
    report = run("staff", csv_bytes(rows, header=STAFF_HEADER))
    assert report.rows[1].errors == ["身份证号：与第 2 行重复"]
    assert report.rows[2].errors == ["身份证号：此项必填"]
    assert count(db, StaffMember) == 0
