"""Columns of the registry import files and turning one row's cells into typed data.

Each ``parse_*`` function takes ``{field: raw cell}`` for the columns present in the file
and returns the key (the code that identifies the record), the typed data for the registry
operations, and the problems found in the cells themselves (Chinese, prefixed with the
column header). Checks that need the database (codes already taken, check characters) are
left to ``portal.operations.registry``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _

from portal.import_files import cell_text
from portal.models.enums import (
    FacilityKind,
    FacilityStatus,
    HospitalLevel,
    LabelledEnum,
    Ownership,
    Profession,
)
from portal.models.facility import Facility
from portal.models.staff import StaffMember
from portal.validators import PHONE_PATTERN, check_date


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    #: Whether the column must be present in the file (its cells may still be optional).
    required: bool = True


FACILITY_COLUMNS = (
    Column("统一社会信用代码", "credit_code"),
    Column("医保定点编码", "site_code"),
    Column("机构名称", "name"),
    Column("机构类别", "kind"),
    Column("医院等级", "level"),
    Column("所有制", "ownership"),
    Column("县区", "county"),
    Column("地址", "address"),
    Column("法定代表人", "legal_representative"),
    Column("协议开始日期", "agreement_start"),
    Column("状态", "status", required=False),
    Column("联系人", "contact_name", required=False),
    Column("联系电话", "contact_phone", required=False),
)
STAFF_COLUMNS = (
    Column("人员编码", "staff_code"),
    Column("姓名", "name"),
    Column("身份证号", "id_number"),
    Column("职业类别", "profession"),
    Column("执业机构编码", "facilities"),
)
COLUMNS = {"facilities": FACILITY_COLUMNS, "staff": STAFF_COLUMNS}

#: Common spellings in bureau spreadsheets besides the enum labels and values.
ALIASES: dict[type, dict[str, LabelledEnum]] = {
    FacilityKind: {
        "药店": FacilityKind.PHARMACY,
        "零售药店": FacilityKind.PHARMACY,
        "定点药店": FacilityKind.PHARMACY,
        "诊所": FacilityKind.CLINIC,
        "基层医疗机构": FacilityKind.CLINIC,
        "定点医院": FacilityKind.HOSPITAL,
    },
    Ownership: {
        "公办": Ownership.PUBLIC,
        "民营": Ownership.PRIVATE,
        "私立": Ownership.PRIVATE,
        "社会办": Ownership.PRIVATE,
    },
    FacilityStatus: {
        "暂停服务": FacilityStatus.SUSPENDED,
        "解除": FacilityStatus.TERMINATED,
        "解除协议": FacilityStatus.TERMINATED,
        "终止": FacilityStatus.TERMINATED,
    },
    Profession: {
        "医生": Profession.DOCTOR,
        "执业医师": Profession.DOCTOR,
        "执业药师": Profession.PHARMACIST,
        "护理人员": Profession.NURSE,
        "医技人员": Profession.TECHNICIAN,
        "审核人员": Profession.FEE_REVIEWER,
        "药店负责人": Profession.PHARMACY_PRINCIPAL,
        "主要负责人": Profession.PHARMACY_PRINCIPAL,
    },
    HospitalLevel: {"无": HospitalLevel.UNRATED, "无等级": HospitalLevel.UNRATED},
}
SITE_SEPARATORS = re.compile(r"[;；,，、\s]+")
DATE_PATTERN = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0?0:00(?::00)?)?$"
)
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def normalise_header(text) -> str:
    """Header text without spaces, required-markers (*) and notes in brackets."""
    text = re.sub(r"[（(][^）)]*[)）]", "", cell_text(text))
    return re.sub(r"[\s*＊]+", "", text)


def header_of(kind: str, field: str) -> str:
    return next((c.header for c in COLUMNS[kind] if c.field == field), field)


def _choices(cls: type[LabelledEnum]) -> str:
    return "、".join(m.label for m in cls)


def parse_enum(cls: type[LabelledEnum], value) -> LabelledEnum | None:
    text = cell_text(value)
    found = cls.from_label_or_value(text) or cls.from_label_or_value(text.lower())
    if found is None:
        found = ALIASES.get(cls, {}).get(text)
    if found is None and cls is HospitalLevel and text[:2] in ("三级", "二级", "一级"):
        found = cls.from_label_or_value(text[:2])  # 三级甲等, 二级乙等 ...
    return found


def parse_date(value) -> date | None:
    """A date from an Excel date cell, an Excel serial number, or YYYY-MM-DD / YYYY/MM/DD."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if isinstance(value, int | float) and not COMPACT_DATE.match(text):
        from openpyxl.utils.datetime import from_excel

        try:
            return from_excel(value).date() if 1 <= value < 2958466 else None
        except (ValueError, OverflowError):
            return None
    match = DATE_PATTERN.match(text) or COMPACT_DATE.match(text)
    if not match:
        return None
    try:
        parsed = date(*(int(g) for g in match.groups()))
    except ValueError:
        return None
    # Too early is refused by ``check_date``, with its own message.
    return parsed if parsed.year <= 2100 else None


class _Cells:
    """Reads typed values out of one row, collecting messages per column."""

    def __init__(self, kind: str, model, raw: dict):
        self.kind = kind
        self.model = model
        self.raw = raw
        self.errors: list[str] = []

    def error(self, field: str, message: str) -> None:
        self.errors.append(f"{header_of(self.kind, field)}：{message}")

    def present(self, field: str) -> bool:
        return field in self.raw

    def text(self, field: str, *, required: bool = True) -> str:
        """The cell's text on a single line, as the registry's forms take it: line breaks
        typed in a cell (Alt+Enter in Excel) and tabs become a space. (Other control
        characters never reach a cell: ``read_table`` refuses a file holding them.)"""
        value = re.sub(r"\s*[\t\r\n]+\s*", " ", cell_text(self.raw.get(field)))
        if required and not value:
            self.error(field, _("此项必填"))
        self._fits(field, value)
        return value

    def _fits(self, field: str, value: str) -> None:
        column = self.model.__table__.c.get(field)
        limit = getattr(column.type, "length", None) if column is not None else None
        if limit and len(value) > limit:
            self.error(field, _("内容过长（最多 %(n)d 个字）", n=limit))

    def code(self, field: str, *, required: bool = True) -> str:
        """An identifier; numeric spreadsheet cells lose digits, so they are refused."""
        value = self.raw.get(field)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 99999999:
            self.error(
                field, _("请将该列设为“文本”格式后重新填写（超过15位的数字会被 Excel 截断）")
            )
            return ""
        text = cell_text(value)
        if required and not text:
            self.error(field, _("此项必填"))
        code = re.sub(r"\s+", "", text).upper()
        self._fits(field, code)
        return code

    def enum(self, field: str, cls: type[LabelledEnum], default=None):
        text = cell_text(self.raw.get(field))
        if not text and default is not None:
            return default
        member = parse_enum(cls, text)
        if member is None:
            if text:
                self.error(field, _("“%(v)s”无效，可填：%(c)s", v=text, c=_choices(cls)))
            else:
                self.error(field, _("此项必填"))
        return member

    def date(self, field: str) -> date | None:
        value = self.raw.get(field)
        if not cell_text(value):
            self.error(field, _("此项必填"))
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.error(
                field, _("“%(v)s”不是有效日期，请写成 YYYY-MM-DD 或 YYYY/MM/DD", v=cell_text(value))
            )
        elif message := check_date(parsed):
            self.error(field, message)
            return None
        return parsed


def parse_facility(raw: dict, existing: Facility | None) -> tuple[str, dict, list[str]]:
    """Typed facility data. Optional columns left blank keep the stored value on update."""
    cells = _Cells("facilities", Facility, raw)
    data: dict = {
        "credit_code": cells.code("credit_code"),
        "site_code": cells.code("site_code"),
        "name": cells.text("name"),
        "kind": cells.enum("kind", FacilityKind),
        "ownership": cells.enum("ownership", Ownership),
        "county": cells.text("county"),
        "address": cells.text("address"),
        "legal_representative": cells.text("legal_representative"),
        "agreement_start": cells.date("agreement_start"),
    }
    # A blank level is 未定级 for a new facility and for any but a hospital (only hospitals
    # are graded by level); an existing hospital keeps the level stored.
    if cell_text(raw.get("level")):
        data["level"] = cells.enum("level", HospitalLevel)
    elif existing is None or data["kind"] is not FacilityKind.HOSPITAL:
        data["level"] = HospitalLevel.UNRATED
    if cell_text(raw.get("status")):
        data["status"] = cells.enum("status", FacilityStatus)
    elif existing is None:
        data["status"] = FacilityStatus.ACTIVE
    for field in ("contact_name", "contact_phone"):
        value = cells.text(field, required=False)
        if value or existing is None:
            data[field] = value
    if not PHONE_PATTERN.match(data.get("contact_phone", "")):
        cells.error("contact_phone", _("只能包含数字、空格和 + - ( )"))
    return data["site_code"], data, cells.errors


def split_site_codes(value) -> list[str]:
    """Site codes in one cell, separated by ; ， , 、 or spaces; upper case, no repeats."""
    codes = [c.upper() for c in SITE_SEPARATORS.split(cell_text(value)) if c]
    return list(dict.fromkeys(codes))


def parse_staff(
    raw: dict, existing: StaffMember | None, facilities: dict[str, Facility]
) -> tuple[str, dict, list[str]]:
    """Typed staff data; ``facilities`` maps site code to the registered facility.

    A blank ID number keeps the stored one on update and is required for a new person.
    """
    cells = _Cells("staff", StaffMember, raw)
    data: dict = {
        "staff_code": cells.code("staff_code"),
        "name": cells.text("name"),
        "id_number": cells.code("id_number", required=existing is None),
        "profession": cells.enum("profession", Profession),
    }
    codes = split_site_codes(raw.get("facilities"))
    if not codes:
        cells.error("facilities", _("此项必填"))
    unknown = [c for c in codes if c not in facilities]
    if unknown:
        cells.error(
            "facilities",
            _("%(codes)s 未登记为定点机构（请先导入定点机构）", codes="、".join(unknown)),
        )
    data["facilities"] = [facilities[c] for c in codes if c in facilities]
    return data["staff_code"], data, cells.errors
