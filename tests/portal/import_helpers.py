"""Building registry import files for tests: facility and staff rows, as CSV, and importing them."""

from __future__ import annotations

import csv
import io

from portal.imports import IMPORT_COLUMNS, import_file
from tests.factories import credit_code, id_number, site_code

FACILITY_HEADER = IMPORT_COLUMNS["facilities"]
STAFF_HEADER = IMPORT_COLUMNS["staff"]


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
