"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json.

Written by hand next to the views; a test compares its paths with the app's URL map, so a
route added without documentation fails the suite.
"""

from __future__ import annotations

from flask import current_app, jsonify

from portal.api import bp
from portal.api.openapi_inspection_schemas import inspection_schemas
from portal.api.openapi_schemas import (
    STR,
    component_schemas,
    enum_of,
    json_body,
    obj,
    page_of,
    ref,
)
from portal.api.views import DEFAULT_PER_PAGE, MAX_PER_PAGE
from portal.models.enums import FacilityKind
from portal.models.inspections import InspectionKind, InspectionStatus
from portal.web import MAX_ID

ERROR = json_body(ref("Error"), "错误（message 为中文说明）")
UNPROCESSABLE = json_body(ref("ValidationError"), "数据校验失败，fields 按字段列出问题")
UNAUTHORIZED = json_body(ref("Error"), "缺少或无效的接口令牌")
SITE_CODE = {"name": "site_code", "in": "path", "required": True, "schema": STR,
             "description": "医保定点机构编码（H 或 P 加 11 位数字）"}  # fmt: skip
STAFF_CODE = {"name": "staff_code", "in": "path", "required": True, "schema": STR}
INSPECTION_ID = {
    "name": "inspection_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "description": "检查记录编号",
}
PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1},
     "description": "页码，从 1 开始；超出末页时 items 为空。非正整数返回 400"},
    {"name": "per_page", "in": "query",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                "default": DEFAULT_PER_PAGE},
     "description": f"每页条数；大于 {MAX_PER_PAGE} 时按 {MAX_PER_PAGE} 返回（响应中的 per_page "
                    "为实际条数上限）。非正整数返回 400"},
]  # fmt: skip
BAD_PAGING = json_body(
    ref("Error"), "page 或 per_page 不是正整数；或请求含空字符（NUL）、JSON 嵌套层次过深"
)
#: Any request: refused before it reaches the operation.
BAD_REQUEST = json_body(
    ref("Error"),
    "请求无效：参数或请求体含空字符（NUL），JSON 含不成对的代理项转义（如 \\ud800），"
    "或 JSON 嵌套层次过深",
)
TOO_LARGE = json_body(ref("Error"), "请求体过大")
TOKEN = [{"bearer": []}]

PATHS = {
    "/health": {"get": {"summary": "健康检查", "responses": {
        "200": json_body(obj({"status": {"type": "string", "enum": ["ok"]}, "version": STR}),
                         "服务正常")}}},
    "/openapi.json": {"get": {"summary": "本接口说明（OpenAPI 3）", "responses": {
        "200": json_body({"type": "object"}, "OpenAPI 文档")}}},
    "/facilities": {"get": {
        "summary": "定点机构列表（分页）",
        "parameters": [
            {"name": "q", "in": "query", "schema": STR, "description": "名称、定点编码或信用代码"},
            {"name": "county", "in": "query", "schema": STR, "description": "县（市、区），全称"},
            {"name": "kind", "in": "query", "schema": enum_of(FacilityKind),
             "description": "机构类别；其他取值返回 422"},
            {"name": "grade", "in": "query", "schema": STR,
             "description": "当前信用等级（不区分大小写）；其他取值返回 422"},
            *PAGING,
        ],
        "responses": {"200": json_body(page_of("FacilitySummary"), "机构列表（不含承诺书状态）"),
                      "400": BAD_PAGING, "422": UNPROCESSABLE}}},
    "/facilities/{site_code}": {"get": {
        "summary": "定点机构（含信用等级及承诺书状态）", "parameters": [SITE_CODE],
        "responses": {"200": json_body(ref("Facility"), "机构"), "404": ERROR}}},
    "/facilities/{site_code}/credit": {"get": {
        "summary": "信用评价结果及评分明细", "parameters": [SITE_CODE],
        "description": "未带员工令牌时，涉及个人的明细说明以概括表述代替。",
        "responses": {"200": json_body(ref("Credit"), "信用评价"), "404": ERROR}}},
    "/facilities/{site_code}/credit/history": {"get": {
        "summary": "信用评价计算记录（分页，新的在前）", "parameters": [SITE_CODE, *PAGING],
        "responses": {"200": json_body(
            page_of("CreditHistoryEntry", site_code=STR), "计算记录"),
                      "400": BAD_PAGING, "404": ERROR}}},
    "/facilities/{site_code}/pledge": {"get": {
        "summary": "本年度信用承诺书（签署及核验状态）", "parameters": [SITE_CODE],
        "responses": {"200": json_body(ref("Pledge"), "承诺书"), "404": ERROR}}},
    "/staff/{staff_code}": {"get": {
        "summary": "医保相关人员", "security": TOKEN, "parameters": [STAFF_CODE],
        "responses": {"200": json_body(ref("Staff"), "人员"), "401": UNAUTHORIZED,
                      "404": ERROR}}},
    "/staff/{staff_code}/points": {
        "get": {"summary": "人员记分情况", "security": TOKEN, "parameters": [STAFF_CODE],
                "responses": {"200": json_body(ref("StaffPoints"), "记分"),
                              "401": UNAUTHORIZED, "404": ERROR}},
        "post": {"summary": "记分", "security": TOKEN, "parameters": [STAFF_CODE],
                 "requestBody": {"required": True, "content": {"application/json": {
                     "schema": ref("PointsCreate")}}},
                 "responses": {"201": json_body(ref("StaffPointsCreated"), "已记分"),
                               "401": UNAUTHORIZED, "403": ERROR, "404": ERROR,
                               "409": json_body(ref("DuplicatePoints"),
                                                "重复记分：existing 为已登记的同一记分，未保存"),
                               "422": UNPROCESSABLE}},
    },
    "/inspections": {"get": {
        "summary": "检查记录列表（分页，开始日期新的在前）", "security": TOKEN,
        "description": "例如请求超时后，按机构和开始日期查找已登记的检查。",
        "parameters": [
            {"name": "facility", "in": "query", "schema": STR,
             "description": "医保定点机构编码；未找到时返回 422"},
            {"name": "status", "in": "query", "schema": enum_of(InspectionStatus),
             "description": "检查状态；其他取值返回 422"},
            {"name": "kind", "in": "query", "schema": enum_of(InspectionKind),
             "description": "检查类型；其他取值返回 422"},
            {"name": "start_from", "in": "query", "schema": {"type": "string", "format": "date"},
             "description": "开始日期不早于（YYYY-MM-DD）；格式不对返回 422，空值不筛选"},
            {"name": "start_to", "in": "query", "schema": {"type": "string", "format": "date"},
             "description": "开始日期不晚于（YYYY-MM-DD，含当天）；格式不对或早于 start_from "
                            "返回 422，空值不筛选"},
            *PAGING,
        ],
        "responses": {"200": json_body(page_of("Inspection"), "检查记录"),
                      "400": BAD_PAGING, "401": UNAUTHORIZED, "422": UNPROCESSABLE}},
                    "post": {
        "summary": "登记检查及违规发现", "security": TOKEN,
        "description": "全部成功或全部不保存；认定的违规发现即时重算机构信用等级。"
                       "该机构已有同一检查类型、同一开始日期且未撤销的检查时，视为可能重复登记，"
                       "返回 409 并列出已有检查；确是另一次检查的，请求中加上 "
                       "\"distinct_from\"（所列检查的编号）或 \"confirm_distinct\": true。",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": ref("InspectionCreate")}}},
        "responses": {"201": json_body(ref("InspectionCreated"), "已登记"),
                      "401": UNAUTHORIZED, "403": ERROR,
                      "409": json_body(ref("DuplicateInspection"),
                                       "可能重复登记：existing 列出同一机构同一检查类型、"
                                       "同一开始日期且未撤销的检查，未保存"),
                      "422": UNPROCESSABLE}}},
    "/inspections/{inspection_id}": {
        "get": {"summary": "检查记录（含违规发现概要）", "security": TOKEN,
                "parameters": [INSPECTION_ID],
                "responses": {"200": json_body(ref("Inspection"), "检查"), "401": UNAUTHORIZED,
                              "404": ERROR}},
        "patch": {
            "summary": "更正检查信息", "security": TOKEN, "parameters": [INSPECTION_ID],
            "description": "只给出要修改的字段，其余不变；全部有效才保存。检查进行中可改各项"
                           "（已录入违规发现的不能更换机构，开始日期不能晚于违规发现的决定日期），"
                           "已结束的只能改检查通知书编号和备注，已撤销的不能修改。"
                           "改为与另一未撤销检查同一机构、检查类型和开始日期时返回 409，"
                           "确认方式同 POST /inspections。违规发现不在此修改。",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": ref("InspectionUpdate")}}},
            "responses": {"200": json_body(ref("InspectionUpdated"), "已保存（或无改动）"),
                          "401": UNAUTHORIZED, "403": ERROR, "404": ERROR,
                          "409": json_body(ref("DuplicateInspection"),
                                           "可能与已有检查重复：existing 列出同一机构同一检查"
                                           "类型、同一开始日期且未撤销的检查，未保存"),
                          "422": UNPROCESSABLE}},
    },
    "/inspections/{inspection_id}/close": {"post": {
        "summary": "结束检查", "security": TOKEN, "parameters": [INSPECTION_ID],
        "description": "尚有违规发现草稿时不能结束；请求体可为空。",
        "requestBody": {"required": False, "content": {"application/json": {
            "schema": ref("InspectionClose")}}},
        "responses": {"200": json_body(ref("Inspection"), "已结束"), "401": UNAUTHORIZED,
                      "403": ERROR, "404": ERROR, "422": UNPROCESSABLE}}},
    "/inspections/{inspection_id}/cancel": {"post": {
        "summary": "撤销检查（误登记或未实施）", "security": TOKEN, "parameters": [INSPECTION_ID],
        "description": "检查保留并注明撤销理由，不再录入违规发现、不能修改。其下违规发现"
                       "须先撤销认定或作废草稿，否则返回 422 并说明。",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": ref("InspectionCancel")}}},
        "responses": {"200": json_body(ref("Inspection"), "已撤销"), "401": UNAUTHORIZED,
                      "403": ERROR, "404": ERROR, "422": UNPROCESSABLE}}},
}  # fmt: skip


def _with_common_errors(paths: dict) -> dict:
    """Every operation may answer 400 (``portal.security`` refuses a NUL anywhere in a
    request, a lone surrogate in a JSON body, and JSON nested too deep), and one with a
    request body 413."""
    out = {}
    for path, operations in paths.items():
        out[path] = {}
        for method, operation in operations.items():
            responses = {"400": BAD_REQUEST} | operation["responses"]
            if "requestBody" in operation:
                responses["413"] = TOO_LARGE
            out[path][method] = operation | {"responses": responses}
    return out


def openapi_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "医保基金信用监管与信息公开平台 API",
            "version": current_app.config.get("VERSION", "0.1.0"),
            "description": "金额均为整数（单位：分）；日期为中国时区的日历日期；"
            "时间为中国时间（ISO 8601，带 +08:00 时区）。",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": _with_common_errors(PATHS),
        "components": {
            "schemas": component_schemas() | inspection_schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document())
