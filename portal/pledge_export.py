"""XLSX export of a campaign's overdue list (逾期未报送名单)."""

from __future__ import annotations

import io
from datetime import date

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal.extensions import db
from portal.models.pledges import PledgeCampaign
from portal.pledge_queries import campaign_pledges
from portal.web import china_time

#: Spreadsheet programs run text that starts with these as a formula once it is edited.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _append(sheet, values: list) -> None:
    """A row whose text cells hold text as written: never a formula (openpyxl would make
    one of a value starting with "="), marked as text for when a cell is edited, without
    an apostrophe in the value, and without the control characters XLSX cannot hold (a
    name typed with one would otherwise fail the whole export)."""
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_START):
                cell.quotePrefix = True


def overdue_workbook(
    campaign: PledgeCampaign, today: date, county: str = "", kind: str = ""
) -> bytes:
    """Every overdue pledge of ``campaign`` (optionally one county or kind) as an XLSX."""
    headers = [
        _("县（市、区）"),
        _("机构名称"),
        _("医保定点编码"),
        _("统一社会信用代码"),
        _("机构类别"),
        _("法定代表人或主要负责人"),
        _("联系人"),
        _("联系电话"),
        _("当前状态"),
        _("退回理由"),
        _("报送截止日期"),
        _("逾期天数"),
        _("最近上传时间"),
    ]
    book = Workbook()
    sheet = book.active
    sheet.title = _("逾期未报送")
    _append(sheet, headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    stmt = campaign_pledges(campaign, today, county=county, kind=kind, status="overdue")
    for pledge in db.session.scalars(stmt):
        facility = pledge.facility
        _append(
            sheet,
            [
                facility.county,
                facility.name,
                facility.site_code,
                facility.credit_code,
                facility.kind.label,
                facility.legal_representative,
                facility.contact_name,
                facility.contact_phone,
                pledge.status.label,
                pledge.rejection_reason,
                campaign.deadline,
                (today - campaign.deadline).days,
                china_time(pledge.last_uploaded_at),
            ],
        )
    widths = [12, 36, 16, 22, 14, 16, 10, 16, 14, 30, 14, 10, 18]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=2, min_col=11, max_col=11):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
