"""Registry import from CSV or XLSX: a row-by-row report, and all rows or none.

``import_file`` reads the upload (by content, see ``portal.import_files``), checks the
header, parses every row, then applies the rows through the registry operations inside a
SAVEPOINT so that each change is validated against the database and audited exactly as a
change made in the web form. If any row fails, or on a dry run, the savepoint is rolled
back and nothing is written. The caller commits (or rolls back) the outer transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.import_files import TableFileError, read_table
from portal.import_rows import (
    COLUMNS,
    header_of,
    normalise_header,
    parse_facility,
    parse_staff,
    split_site_codes,
)
from portal.models.facility import Facility
from portal.models.staff import StaffMember
from portal.operations.audit import record_audit
from portal.operations.registry import (
    FACILITY_FIELDS,
    RegistryError,
    create_facility,
    create_staff,
    update_facility,
    update_staff,
    validate_facility_data,
    validate_staff_data,
)
from portal.web import china_today

IMPORT_KINDS = ("facilities", "staff")
IMPORT_COLUMNS = {kind: [c.header for c in COLUMNS[kind]] for kind in IMPORT_KINDS}
#: Look-ups by code go to the database in chunks (SQLite limits bound parameters).
LOOKUP_CHUNK = 500


@dataclass
class RowResult:
    """One data row: its spreadsheet line, key (site or staff code) and outcome."""

    line: int
    key: str
    status: str  # "create", "update", "unchanged" or "error"
    errors: list[str] = field(default_factory=list)
    #: False while nothing is written (a check-only run, or a file with errors): a row
    #: then says what it would do.
    written: bool = True

    @property
    def status_label(self) -> str:
        if self.status == "unchanged":
            return _("无变化")
        if self.status == "error":
            return _("错误")
        if self.written:
            return _("新增") if self.status == "create" else _("更新")
        return _("可新增（未写入）") if self.status == "create" else _("可更新（未写入）")


@dataclass
class ImportReport:
    kind: str
    filename: str
    rows: list[RowResult] = field(default_factory=list)
    #: A problem with the file as a whole (unreadable, header wrong, too many rows).
    file_error: str | None = None
    created: int = 0
    updated: int = 0
    #: Rows naming a record already as the file has it: nothing to write.
    unchanged: int = 0
    #: False when nothing was written: a check-only run, a file with errors, a clash.
    written: bool = True

    def not_written(self) -> None:
        self.written = False
        for row in self.rows:
            row.written = False

    @property
    def error_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return self.file_error is None and bool(self.rows) and not self.error_rows

    def lines(self) -> list[str]:
        """The report as text lines for the terminal: one per row, then a summary."""
        what = _("定点机构") if self.kind == "facilities" else _("医保相关人员")
        out = [_("%(what)s导入：%(name)s", what=what, name=self.filename)]
        if self.file_error:
            out.append(_("文件错误：%(msg)s", msg=self.file_error))
        for row in self.rows:
            text = _(
                "第 %(n)d 行  %(key)s  %(status)s",
                n=row.line,
                key=row.key or "-",
                status=row.status_label,
            )
            if row.errors:
                text += "：" + "；".join(row.errors)
            out.append(text)
        if self.rows:
            out.append(
                _(
                    "共 %(n)d 行：新增 %(c)d 条，更新 %(u)d 条，无变化 %(k)d 条，错误 %(e)d 条。",
                    n=len(self.rows),
                    c=self.created,
                    u=self.updated,
                    k=self.unchanged,
                    e=len(self.error_rows),
                )
            )
        return out


def _display_name(filename: str) -> str:
    return re.split(r"[\\/]", filename or "")[-1] or _("（未命名文件）")


def _match_header(kind: str, cells: list) -> tuple[list[str | None], str | None]:
    """Map each column index to a field name (None for an empty header cell)."""
    by_header = {c.header: c.field for c in COLUMNS[kind]}
    fields: list[str | None] = []
    unknown, repeated = [], []
    for cell in cells:
        header = normalise_header(cell)
        name = by_header.get(header)
        if header and name is None:
            unknown.append(header)
        elif name is not None and name in fields:
            repeated.append(header)
            name = None
        fields.append(name)
    missing = [c.header for c in COLUMNS[kind] if c.required and c.field not in fields]
    problems = []
    if missing:
        problems.append(_("缺少表头：%(h)s", h="、".join(missing)))
    if unknown:
        problems.append(_("无法识别的表头：%(h)s", h="、".join(unknown)))
    if repeated:
        problems.append(_("表头重复：%(h)s", h="、".join(repeated)))
    if problems:
        expected = "、".join(IMPORT_COLUMNS[kind])
        problems.append(_("第一行应为表头：%(h)s", h=expected))
        return fields, "；".join(problems)
    return fields, None


def _row_cells(fields: list[str | None], cells: list, csv_file: bool) -> tuple[dict, list[str]]:
    raw: dict = {}
    errors: list[str] = []
    for index, value in enumerate(cells):
        name = fields[index] if index < len(fields) else None
        if name is not None:
            raw[name] = value
        elif value not in (None, ""):
            errors.append(_("第 %(n)d 列没有表头，不能填写内容", n=index + 1))
    if csv_file and len(cells) < len(fields):
        errors.append(
            _(
                "该行只有 %(n)d 列，表头有 %(m)d 列（请检查是否缺少逗号）",
                n=len(cells),
                m=len(fields),
            )
        )
    return raw, errors


def _lookup(model, column, codes: set[str]) -> dict:
    found = {}
    codes_list = sorted(codes)
    for start in range(0, len(codes_list), LOOKUP_CHUNK):
        chunk = codes_list[start : start + LOOKUP_CHUNK]
        for obj in db.session.scalars(select(model).where(column.in_(chunk))):
            found[getattr(obj, column.key)] = obj
    return found


def _key_of(kind: str, raw: dict) -> str:
    value = raw.get("site_code" if kind == "facilities" else "staff_code")
    return re.sub(r"\s+", "", "" if value is None else str(value)).upper()


def import_file(actor, kind: str, stream, filename: str, dry_run: bool = False) -> ImportReport:
    """Validate and import one file; see the module docstring. Never commits."""
    if kind not in IMPORT_KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    report = ImportReport(kind=kind, filename=_display_name(filename))
    max_rows = current_app.config["IMPORT_MAX_ROWS"]
    data = stream.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        table = read_table(data, limit=max_rows + 1)
    except TableFileError as exc:
        report.file_error = str(exc)
        return report
    if not table.rows:
        report.file_error = _("文件为空")
        return report
    fields, problem = _match_header(kind, table.rows[0][1])
    if problem:
        report.file_error = problem
        return report
    if table.truncated:
        report.file_error = _("数据超过单次导入上限 %(n)d 行，请拆分为多个文件分批导入", n=max_rows)
        return report
    if len(table.rows) == 1:
        report.file_error = _("文件只有表头，没有数据行")
        return report

    parsed = [
        (line, *_row_cells(fields, cells, table.format == "csv")) for line, cells in table.rows[1:]
    ]
    if kind == "facilities":
        model, key_column = Facility, Facility.site_code
        facilities: dict = {}
    else:
        model, key_column = StaffMember, StaffMember.staff_code
        sites = {c for _l, raw, _e in parsed for c in split_site_codes(raw.get("facilities"))}
        facilities = _lookup(Facility, Facility.site_code, sites)
    existing = _lookup(model, key_column, {_key_of(kind, raw) for _l, raw, _e in parsed} - {""})

    nested = db.session.begin_nested()
    try:
        _apply_rows(actor, kind, parsed, existing, facilities, report)
        failed = bool(report.error_rows)
        if not failed and not dry_run:
            record_audit(
                actor,
                f"import.{kind}",
                "import",
                report.filename[:64],
                after={
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
            )
    except IntegrityError:
        # Another session wrote a clashing code meanwhile; report it instead of a 500.
        nested.rollback()
        report.file_error = _("写入数据库时发生编码冲突，请重新上传")
        report.not_written()
        return report
    if failed or dry_run:
        nested.rollback()
        report.not_written()
    else:
        nested.commit()
    return report


def _apply_rows(actor, kind, parsed, existing, facilities, report: ImportReport) -> None:
    seen: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    today = china_today()
    for line, raw, cell_errors in parsed:
        key = _key_of(kind, raw)
        current = existing.get(key)
        if kind == "facilities":
            key, data, errors = parse_facility(raw, current)
        else:
            key, data, errors = parse_staff(raw, current, facilities)
        errors = cell_errors + errors
        if key and key in seen:
            what = header_of(kind, "site_code" if kind == "facilities" else "staff_code")
            errors.append(_("%(what)s：与第 %(n)d 行重复", what=what, n=seen[key]))
        elif key:
            seen[key] = line
        if kind == "staff" and data.get("id_number"):
            if data["id_number"] in seen_ids:
                errors.append(_("身份证号：与第 %(n)d 行重复", n=seen_ids[data["id_number"]]))
            else:
                seen_ids[data["id_number"]] = line
        before = _state(current)
        if errors:
            errors += _more_problems(kind, data, current, errors)
        else:
            errors = _apply_one(actor, kind, data, current, today)
        if errors:
            report.rows.append(RowResult(line, key, "error", errors))
        elif current is None:
            report.rows.append(RowResult(line, key, "create"))
            report.created += 1
        elif _state(current) == before:
            report.rows.append(RowResult(line, key, "unchanged"))
            report.unchanged += 1
        else:
            report.rows.append(RowResult(line, key, "update"))
            report.updated += 1


def _state(record) -> tuple | None:
    """What an import may change of a record: its audit summary, and (a person) the ID
    number, whose masked form in the summary may stay the same when it changes."""
    if record is None:
        return None
    return record.audit_summary(), getattr(record, "id_number_hash", None)


def _more_problems(kind, data: dict, current, errors: list[str]) -> list[str]:
    """The registry's checks for columns that have no problem yet, so that a row with
    several mistakes lists them all at once (the row is not written either way)."""
    if kind == "facilities":
        merged = data if current is None else {f: getattr(current, f) for f in FACILITY_FIELDS}
        problems = validate_facility_data(merged | data, existing=current)
    else:
        if current is not None and not data.get("id_number"):
            data = {k: v for k, v in data.items() if k != "id_number"}
        problems = validate_staff_data(data, existing=current)
    flagged = {e.split("：", 1)[0] for e in errors}
    return [
        f"{header_of(kind, name)}：{message}"
        for name, message in problems.items()
        if header_of(kind, name) not in flagged
    ]


def _apply_one(actor, kind, data: dict, current, today) -> list[str]:
    """Write one row through the registry; return its problems (nothing written then)."""
    operations: dict[str, tuple[Callable, Callable]] = {
        "facilities": (
            lambda: create_facility(actor, data),
            lambda: update_facility(actor, current, data),
        ),
        "staff": (
            lambda: create_staff(actor, data, today),
            lambda: update_staff(actor, current, data, today),
        ),
    }
    create, update = operations[kind]
    try:
        (create if current is None else update)()
    except RegistryError as exc:
        return [f"{header_of(kind, name)}：{message}" for name, message in exc.errors.items()]
    return []
