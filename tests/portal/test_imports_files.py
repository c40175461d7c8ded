"""Reading import files: CSV in every encoding Excel writes, XLSX cells, unreadable files."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import select

from portal.models import (
    AuditLog,
    Facility,
    FacilityKind,
    FacilityStatus,
    HospitalLevel,
    Ownership,
)
from tests.factories import site_code
from tests.portal.import_helpers import FACILITY_HEADER, csv_bytes, facility_row, run
from tests.portal.web_helpers import audit_rows
from tests.portal.web_helpers import count_rows as count

CJK = re.compile(r"[\u4e00-\u9fff]")


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
    assert summary.summary["after"] == {"created": 2, "updated": 0, "unchanged": 0}


def test_gb18030_csv_is_decoded(db):
    data = csv_bytes([facility_row(3, **{"机构名称": "如皋市镕鑫医院"})], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    report = run("facilities", data)
    assert report.ok, report.lines()
    assert count(db, Facility, Facility.name == "如皋市镕鑫医院") == 1


def test_an_empty_sheet_shown_first_is_named_not_called_an_empty_file(db):
    """A workbook opening on an empty 说明 sheet, the data on the next one."""
    book = openpyxl.Workbook()
    book.active.title = "说明"
    data = book.create_sheet("机构")
    data.append(FACILITY_HEADER)
    data.append([facility_row(3)[h] for h in FACILITY_HEADER])
    buffer = io.BytesIO()
    book.save(buffer)
    report = run("facilities", buffer.getvalue(), name="机构.xlsx")
    assert report.file_error == (
        "工作表“说明”是空的：系统只读取打开工作簿时显示的工作表（本工作簿共 2 个），"
        "请把数据放在该工作表上后再导入"
    )
    assert count(db, Facility) == 0


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


def test_a_cell_too_long_for_csv_is_named_in_chinese(db):
    """An unpaired quote makes the rest of a file one cell: the csv module's English
    "field larger than field limit" is said in Chinese, with where to look."""
    data = csv_bytes([facility_row(30), facility_row(31, 地址="长" * 140_000)])
    report = run("facilities", data)
    assert not report.ok and report.rows == []
    assert "第 3 行有单元格内容过长" in report.file_error
    assert "field" not in report.file_error
    assert count(db, AuditLog) == 0
