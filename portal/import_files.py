"""Reading an uploaded table (CSV or XLSX) into rows, by content rather than file name.

``read_table`` returns the non-blank rows with their spreadsheet line numbers (the first
row of the file is line 1, blank lines count but are left out). Anything that is not a
readable table raises ``TableFileError`` with a Chinese message for the user.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: Leading bytes of file types people upload by mistake, with what to call them.
OTHER_MAGIC = (
    (b"\xd0\xcf\x11\xe0", "xls"),
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"Rar!", "archive"),
    (b"\x1f\x8b", "archive"),
    (b"7z\xbc\xaf", "archive"),
)


class TableFileError(ValueError):
    """The file cannot be read as a table; the message is for the user."""


@dataclass
class Table:
    """Non-blank rows as ``(line, cells)``; cells are str for CSV, typed values for XLSX."""

    format: str
    rows: list[tuple[int, list]]
    #: True when reading stopped at the row limit (more rows follow).
    truncated: bool = False


def _magic_message(kind: str) -> str:
    if kind == "xls":
        return _("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入")
    if kind == "pdf":
        return _("上传的是 PDF 文件，请上传 CSV 或 XLSX 表格")
    if kind == "image":
        return _("上传的是图片文件，请上传 CSV 或 XLSX 表格")
    return _("上传的是压缩包，请上传 CSV 或 XLSX 表格")


def _is_blank(cells) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def read_table(data: bytes, limit: int) -> Table:
    """Parse ``data`` as XLSX (zip magic) or CSV text; keep at most ``limit`` non-blank rows."""
    if not data or not data.strip():
        raise TableFileError(_("文件为空"))
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data, limit)
    for magic, kind in OTHER_MAGIC:
        if data.startswith(magic):
            raise TableFileError(_magic_message(kind))
    return _read_csv(_decode(data), limit)


def _read_xlsx(data: bytes, limit: int) -> Table:
    import openpyxl

    broken = _("文件不是有效的 XLSX 工作簿（可能已损坏，或是改了扩展名的其他文件）")
    try:
        with warnings.catch_warnings():
            # Workbooks written by other tools often lack styles; that is harmless here.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged or foreign zip files
        raise TableFileError(broken) from exc
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise TableFileError(_("工作簿中没有工作表"))
        sheet = workbook.active if workbook.active in sheets else sheets[0]
        uncomputed = _uncomputed_formulas(data, sheet)
        if uncomputed:
            raise TableFileError(
                _(
                    "单元格 %(cells)s 是公式，但文件中没有保存公式的计算结果（由程序生成、未在 "
                    "Excel 或 WPS 中打开保存过的文件常会这样）：请用 Excel 或 WPS 打开该文件并"
                    "保存后再导入，或把公式改为数值",
                    cells="、".join(uncomputed[:5]) + ("等" if len(uncomputed) > 5 else ""),
                )
            )
        rows: list[tuple[int, list]] = []
        truncated = False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for line, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), 1):
                cells = [_xlsx_cell(v) for v in values]
                if _is_blank(cells):
                    continue
                if len(rows) >= limit:
                    truncated = True
                    break
                rows.append((line, cells))
    except TableFileError:
        raise
    except Exception as exc:  # a damaged sheet fails while streaming
        raise TableFileError(broken) from exc
    finally:
        workbook.close()
    if not rows and len(sheets) > 1:
        # The data is likely on another sheet (the first one a 说明 page, say).
        raise TableFileError(
            _(
                "工作表“%(name)s”是空的：系统只读取打开工作簿时显示的工作表（本工作簿共 %(n)d "
                "个），请把数据放在该工作表上后再导入",
                name=sheet.title,
                n=len(sheets),
            )
        )
    width = max((len(_trim(cells)) for _line, cells in rows), default=0)
    rows = [(line, (_trim(cells) + [None] * width)[:width]) for line, cells in rows]
    return Table("xlsx", rows, truncated)


#: A formula element in a worksheet's XML (``<f>``, ``<f t="shared" ...>``, ``<x:f>``).
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _uncomputed_formulas(data: bytes, sheet) -> list[str]:
    """Cells (as "B3") of ``sheet`` holding a formula whose result the file does not keep.

    A workbook saved by Excel or WPS keeps each formula's result, which is what is read;
    one written by a program often keeps only the formula, and its cell would read as
    empty. A result that is an empty text is kept as such (``t="str"``) and reads as
    empty rightly. The sheet's XML is read again only when it holds a formula at all."""
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(sheet._worksheet_path.lstrip("/"))
    if not _FORMULA_TAG.search(xml):
        return []
    cell, row = f"{{{SHEET_MAIN_NS}}}c", f"{{{SHEET_MAIN_NS}}}row"
    formula, value = f"{{{SHEET_MAIN_NS}}}f", f"{{{SHEET_MAIN_NS}}}v"
    missing = []
    for _event, element in iterparse(io.BytesIO(xml)):
        if element.tag == cell:
            if element.find(formula) is not None and element.get("t") != "str":
                result = element.find(value)
                if result is None or not result.text:
                    missing.append(element.get("r") or "?")
            element.clear()
        elif element.tag == row:
            element.clear()
    return missing


def _xlsx_cell(value):
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _trim(cells: list) -> list:
    """Drop empty cells at the end of a row (spreadsheets pad rows to the sheet width)."""
    end = len(cells)
    while end and (cells[end - 1] is None or cells[end - 1] == ""):
        end -= 1
    return list(cells[:end])


def _decode(data: bytes) -> str:
    not_text = _("文件既不是 XLSX 工作簿，也不是文本格式的 CSV 文件")
    if data.startswith(UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TableFileError(not_text) from exc
    elif b"\x00" in data:
        raise TableFileError(not_text)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise TableFileError(
                    _("无法识别文件编码，请将 CSV 另存为 UTF-8 编码，或上传 XLSX 文件")
                ) from exc
    text = text.lstrip("\ufeff")
    if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text):
        raise TableFileError(not_text)
    if text.lstrip().startswith("<"):  # <!DOCTYPE html>, <html>, <?xml ...>, <table>
        raise TableFileError(
            _("文件内容是网页（HTML/XML），不是 CSV 或 XLSX 表格；请在 Excel 中打开后另存为 XLSX")
        )
    return text


def _read_csv(text: str, limit: int) -> Table:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows: list[tuple[int, list]] = []
    truncated = False
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0  # the record being read (a record may span lines)
    try:
        for line, cells in enumerate(reader, 1):
            if _is_blank(cells):
                continue
            if len(rows) >= limit:
                truncated = True
                break
            rows.append((line, [c.strip() for c in cells]))
    except csv.Error as exc:
        line += 1  # the record after the last one read
        # The csv module words its errors in English; say what is wrong, and where.
        if "field larger than field limit" in str(exc):
            raise TableFileError(
                _(
                    "CSV 文件第 %(n)d 行有单元格内容过长（超过 %(max)d 个字符），"
                    "请检查是否缺少配对的引号",
                    n=line,
                    max=csv.field_size_limit(),
                )
            ) from exc
        raise TableFileError(
            _(
                "CSV 文件第 %(n)d 行格式错误，请检查引号是否配对，或在 Excel 中另存为 XLSX",
                n=line,
            )
        ) from exc
    return Table("csv", rows, truncated)


def cell_text(value) -> str:
    """A cell as text: dates as YYYY-MM-DD, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
