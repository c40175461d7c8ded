"""XLSX formula cells: the result the file keeps is read; a formula without a kept result
is refused by name, never read as an empty cell."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl

from portal.models import Facility
from tests.portal.import_helpers import FACILITY_HEADER, facility_row, run
from tests.portal.web_helpers import count_rows as count

NAME = FACILITY_HEADER.index("机构名称") + 1


def _workbook(names: list[str]) -> bytes:
    """Facilities whose names are the given cells (formulas or text), as openpyxl writes
    them: formulas without results."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(FACILITY_HEADER)
    for number, name in enumerate(names, 7):
        row = facility_row(number)
        row["机构名称"] = name
        sheet.append([row[h] for h in FACILITY_HEADER])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_results(data: bytes, result: str) -> bytes:
    """The workbook as Excel saves it: each formula cell keeps its result (``result``)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = re.sub(
                    rb'<c r="([A-Z]+\d+)"><f>(.*?)</f><v ?/>',
                    rb'<c r="\1" t="str"><f>\2</f><v>' + result.encode() + rb"</v>",
                    content,
                )
            target.writestr(item, content)
    return out.getvalue()


def test_a_formula_without_its_result_is_refused_by_cell(db):
    data = _workbook(["第一医院", '="南通"&"第二医院"'])
    report = run("facilities", data, name="机构.xlsx")
    column = openpyxl.utils.get_column_letter(NAME)
    assert report.file_error.startswith(f"单元格 {column}3 是公式，但文件中没有保存公式的计算结果")
    assert "用 Excel 或 WPS 打开该文件并保存后再导入" in report.file_error
    assert count(db, Facility) == 0  # nothing of the file, not even its good first row


def test_many_formulas_without_results_are_named_five_at_most(db):
    data = _workbook([f'="医院{n}"' for n in range(7)])
    report = run("facilities", data, name="机构.xlsx")
    column = openpyxl.utils.get_column_letter(NAME)
    named = "、".join(f"{column}{line}" for line in range(2, 7))
    assert report.file_error.startswith(f"单元格 {named}等 是公式")


def test_the_kept_result_of_a_formula_is_read(db):
    data = _with_results(_workbook(['="南通"&"第二医院"']), "南通第二医院")
    report = run("facilities", data, name="机构.xlsx")
    assert report.file_error is None
    assert report.created == 1
    assert db.session.query(Facility).one().name == "南通第二医院"


def test_a_formula_whose_kept_result_is_empty_text_reads_as_empty(db):
    """As Excel keeps =IF(...,"",...) giving "": the cell is empty, not refused."""
    data = _workbook(["第三医院"])
    book = openpyxl.load_workbook(io.BytesIO(data))
    contact = FACILITY_HEADER.index("联系人") + 1
    book.active.cell(row=2, column=contact, value='=""')
    buffer = io.BytesIO()
    book.save(buffer)
    report = run("facilities", _with_results(buffer.getvalue(), ""), name="机构.xlsx")
    assert report.file_error is None
    assert report.created == 1
    assert db.session.query(Facility).one().contact_name == ""
