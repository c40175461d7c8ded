"""Registry import from CSV/XLSX: file reading, row report, all-or-nothing, CLI and web."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from portal.imports import IMPORT_COLUMNS, import_file
from portal.models import (
    AuditLog,
    Facility,
    FacilityKind,
    FacilityStatus,
    HospitalLevel,
    Ownership,
    Profession,
    Role,
    StaffMember,
)
from tests.factories import credit_code, id_number, site_code

FACILITY_HEADER = IMPORT_COLUMNS["facilities"]
STAFF_HEADER = IMPORT_COLUMNS["staff"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def facility_row(n: int, **overrides) -> dict:
    row = {
        "统一社会信用代码": credit_code(n),
        "医保定点编码": site_code(n),
        "机构名称": f"南通市导入医院{n}",
        "机构类别": "医院",
        "医院等级": "二级",
        "所有制": "公立",
        "县区": "崇川区",
        "地址": f"江苏省南通市崇川区工农路{n}号",
        "法定代表人": "顾建国",
        "协议开始日期": "2021-03-15",
        "状态": "",
        "联系人": "陈静",
        "联系电话": "0513-85000000",
    }
    row.update(overrides)
    return row


def staff_row(n: int, sites: str, **overrides) -> dict:
    row = {
        "人员编码": f"D{320602100000 + n}",
        "姓名": f"季医生{n}",
        "身份证号": id_number(n, birth="19850607"),
        "职业类别": "医师",
        "执业机构编码": sites,
    }
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict], header=FACILITY_HEADER, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return out.getvalue().encode(encoding)


def run(kind: str, data: bytes, name: str = "registry.csv", **kwargs):
    return import_file(None, kind, io.BytesIO(data), name, **kwargs)


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_rows(db, action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action)))


# --- reading files ------------------------------------------------------------------------


def test_csv_with_bom_creates_facilities_and_audits(db):
    rows = [
        facility_row(1),
        facility_row(
            2,
            **{
                "机构类别": "pharmacy",
                "医院等级": "",
                "所有制": "private",
                "医保定点编码": site_code(2, pharmacy=True),
                "状态": "暂停",
                "协议开始日期": "2026/7/1",
            },
        ),
    ]
    data = csv_bytes(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    report = run("facilities", data)
    assert report.ok, report.lines()
    assert (report.created, report.updated) == (2, 0)
    assert [(r.line, r.key, r.status, r.status_label) for r in report.rows] == [
        (2, site_code(1), "create", "新增"),
        (3, site_code(2, pharmacy=True), "create", "新增"),
    ]
    hospital = db.session.scalar(select(Facility).where(Facility.site_code == site_code(1)))
    assert hospital.kind is FacilityKind.HOSPITAL
    assert hospital.level is HospitalLevel.SECONDARY
    assert hospital.status is FacilityStatus.ACTIVE  # blank 状态 defaults to 正常
    assert hospital.agreement_start == date(2021, 3, 15)
    pharmacy = db.session.scalar(select(Facility).where(Facility.name == "南通市导入医院2"))
    assert (pharmacy.kind, pharmacy.level, pharmacy.ownership, pharmacy.status) == (
        FacilityKind.PHARMACY,
        HospitalLevel.UNRATED,
        Ownership.PRIVATE,
        FacilityStatus.SUSPENDED,
    )
    assert pharmacy.agreement_start == date(2026, 7, 1)
    assert len(audit_rows(db, "facility.create")) == 2
    (summary,) = audit_rows(db, "import.facilities")
    assert summary.object_id == "registry.csv"
    assert summary.summary["after"] == {"created": 2, "updated": 0}


def test_gb18030_csv_is_decoded(db):
    data = csv_bytes([facility_row(3, **{"机构名称": "如皋市镕鑫医院"})], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    report = run("facilities", data)
    assert report.ok, report.lines()
    assert count(db, Facility, Facility.name == "如皋市镕鑫医院") == 1


def test_xlsx_with_date_cells_blank_rows_and_padding(db):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(FACILITY_HEADER)
    first = facility_row(4)
    first["协议开始日期"] = datetime(2019, 5, 20)
    sheet.append([first[h] for h in FACILITY_HEADER])
    sheet.append([])  # a blank line 3 is skipped but still counted
    second = facility_row(5, **{"医院等级": "三级甲等", "协议开始日期": "2020/01/02"})
    sheet.append([second[h] for h in FACILITY_HEADER])
    third = facility_row(6, **{"协议开始日期": 44000})  # an Excel serial date, unformatted
    sheet.append([third[h] for h in FACILITY_HEADER])
    sheet.cell(row=10, column=2, value="")  # widens the sheet with empty rows and cells
    buffer = io.BytesIO()
    book.save(buffer)
    report = run("facilities", buffer.getvalue(), name="C:\\导入\\机构.xlsx")
    assert report.ok, report.lines()
    assert report.filename == "机构.xlsx"
    assert [r.line for r in report.rows] == [2, 4, 5]
    stored = db.session.scalar(select(Facility).where(Facility.site_code == site_code(4)))
    assert stored.agreement_start == date(2019, 5, 20)
    tertiary = db.session.scalar(select(Facility).where(Facility.site_code == site_code(5)))
    assert tertiary.level is HospitalLevel.TERTIARY
    serial = db.session.scalar(select(Facility).where(Facility.site_code == site_code(6)))
    assert serial.agreement_start == date(2020, 6, 18)


def test_utf16_tab_separated_text_from_excel(db):
    """Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated."""
    row = facility_row(30)
    text = "\t".join(FACILITY_HEADER) + "\r\n" + "\t".join(row[h] for h in FACILITY_HEADER)
    report = run("facilities", text.encode("utf-16"))
    assert report.ok, report.lines()
    assert count(db, Facility, Facility.site_code == site_code(30)) == 1


def test_xlsx_numeric_credit_code_is_refused(db):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(FACILITY_HEADER)
    row = facility_row(31)
    row["统一社会信用代码"] = 123206000000000061  # what Excel makes of a long number
    sheet.append([row[h] for h in FACILITY_HEADER])
    buffer = io.BytesIO()
    book.save(buffer)
    report = run("facilities", buffer.getvalue(), name="a.xlsx")
    assert not report.ok
    assert "文本" in report.rows[0].errors[0]


def _zip_with_text() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "文件为空"),
        (b"  \r\n\r\n", "文件为空"),
        (bytes(range(256)) * 4, "不是文本格式"),
        (b"\x00\x01\x02binary\x00", "不是文本格式"),
        (b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>", "网页"),
        (b"PK\x03\x04" + b"\x00" * 60, "不是有效的 XLSX"),
        (_zip_with_text(), "不是有效的 XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "旧版 Excel"),
        (b"%PDF-1.7\n", "PDF"),
    ],
    ids=["empty", "whitespace", "junk", "nul", "html", "broken-zip", "other-zip", "xls", "pdf"],
)
def test_unreadable_files_are_rejected_in_chinese(db, data, expected):
    report = run("facilities", data, name="registry.xlsx")
    assert not report.ok
    assert report.rows == []
    assert expected in report.file_error
    assert CJK.search(report.file_error)
    assert report.lines()[1].startswith("文件错误：")
    assert count(db, AuditLog) == 0


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
    assert lines[-1] == "共 3 行：新增 1 条，更新 0 条，错误 2 条。"
    assert count(db, Facility) == 0
    assert count(db, AuditLog) == 0


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
    assert audit_rows(db, "import.facilities")[0].summary["after"] == {"created": 0, "updated": 1}


def test_dry_run_writes_nothing(db):
    report = run("facilities", csv_bytes([facility_row(19), facility_row(20)]), dry_run=True)
    assert report.ok
    assert report.created == 2
    assert count(db, Facility) == 0
    assert count(db, AuditLog) == 0


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


# --- CLI and web ----------------------------------------------------------------------------


def test_cli_import(db, runner, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([facility_row(21)]))
    result = runner.invoke(args=["import", "facilities", str(good)])
    assert result.exit_code == 0, result.output
    assert "导入完成：新增 1 条" in result.output
    assert count(db, Facility, Facility.site_code == site_code(21)) == 1

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([facility_row(22), facility_row(23, **{"机构名称": ""})]))
    result = runner.invoke(args=["import", "facilities", str(bad)])
    assert result.exit_code == 1
    assert "第 3 行" in result.output and "机构名称：此项必填" in result.output
    assert count(db, Facility, Facility.site_code.in_([site_code(22), site_code(23)])) == 0

    result = runner.invoke(args=["import", "facilities", "--dry-run", str(good)])
    assert result.exit_code == 0
    assert "仅校验" in result.output


def _upload(client, data: bytes, name: str, dry_run: bool = False):
    page = client.get("/bureau/import").get_data(as_text=True)
    match = re.search(r'name="facilities-csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "no CSRF field for the facilities form"
    form = {"facilities-csrf_token": match.group(1), "facilities-file": (io.BytesIO(data), name)}
    if dry_run:
        form["facilities-dry_run"] = "y"
    return client.post("/bureau/import", data=form, content_type="multipart/form-data")


def test_web_import_as_admin(db, client, auth, make_user):
    make_user(Role.ADMIN, "admin1")
    auth.login("admin1")
    response = _upload(client, csv_bytes([facility_row(24)]), "机构.csv")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "导入完成：新增 1 条，更新 0 条。" in page
    assert count(db, Facility, Facility.site_code == site_code(24)) == 1

    bad = csv_bytes([facility_row(25), facility_row(26, **{"协议开始日期": "2021-02-30"})])
    page = _upload(client, bad, "bad.csv").get_data(as_text=True)
    assert "未导入任何数据" in page
    assert "不是有效日期" in page
    assert count(db, Facility, Facility.site_code == site_code(25)) == 0

    page = _upload(client, b"<html><body>x</body></html>", "fake.xlsx").get_data(as_text=True)
    assert "网页" in page

    page = _upload(client, csv_bytes([facility_row(27)]), "a.csv", dry_run=True)
    assert "校验通过" in page.get_data(as_text=True)
    assert count(db, Facility, Facility.site_code == site_code(27)) == 0


def test_web_import_needs_admin(db, client, auth, make_user):
    make_user(Role.INSPECTOR, "inspector1")
    auth.login("inspector1")
    assert client.get("/bureau/import").status_code == 403
