"""Building blocks and component schemas of the OpenAPI document (see openapi.py).

Response objects list every property as required: the API always sends each field, null
when there is nothing to say. Enumerations come from the model enums and the credit
rulebook in force, never typed here. tests/portal/test_api_schemas.py validates real
responses against these schemas with undocumented properties refused.
"""

from __future__ import annotations

from portal import text_limits
from portal.api.fields import text_limit
from portal.models.enums import (
    FacilityKind,
    FacilityStatus,
    HospitalLevel,
    Ownership,
    PointSource,
    Profession,
    Responsibility,
    Severity,
)
from portal.models.inspections import (
    Finding,
    FindingStatus,
    Inspection,
    InspectionKind,
    InspectionStatus,
    InspectionTrigger,
)
from portal.models.pledges import PledgeStatus, PledgeTemplateKind
from portal.models.points import PointRecord
from portal.rules import credit_rulebook
from scoring.staff_points import SanctionKind, Status

STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
TIME = {"type": "string", "format": "date-time", "description": "中国时间（+08:00）"}
#: An absolute URL (http://host/...).
URL = {"type": "string", "format": "uri"}


def nullable(schema: dict) -> dict:
    schema = {**schema, "nullable": True}
    if "enum" in schema:
        # OpenAPI 3.0: null is only valid in an enum that lists it.
        schema["enum"] = [*schema["enum"], None]
    return schema


def text(column) -> dict:
    """A string that must fit ``column`` (longer is refused with 422)."""
    return {"type": "string", "maxLength": text_limit(column)}


def enum_of(values) -> dict:
    """A string limited to ``values``: an enum class (its members' values) or strings."""
    return {"type": "string", "enum": [str(getattr(v, "value", v)) for v in values]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None) -> dict:
    """An object; ``required`` defaults to every property (response objects)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


def request_obj(properties: dict, required: list[str] | None = None) -> dict:
    """A request body: a field it does not list is refused with 422 naming it."""
    return obj(properties, required) | {"additionalProperties": False}


def json_body(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def page_of(item: str, **extra: dict) -> dict:
    return obj(
        {
            **extra,
            "items": {"type": "array", "items": ref(item)},
            "page": INT,
            "per_page": {**INT, "description": "实际每页条数上限（请求值大于上限时为上限）"},
            "total": INT,
        }
    )


def _facility_fields(grade: dict) -> dict:
    return {
        "site_code": STR,
        "credit_code": STR,
        "name": STR,
        "kind": enum_of(FacilityKind),
        "level": enum_of(HospitalLevel),
        "ownership": enum_of(Ownership),
        "county": STR,
        "address": STR,
        "status": enum_of(FacilityStatus),
        "agreement_start": DATE,
        "grade": nullable(grade),
        "score": nullable(NUM),
        "graded_at": nullable(TIME),
        "url": URL,
        "credit_url": URL,
    }


def _points_fields() -> dict:
    return {
        "staff_code": STR,
        "cycle": INT,
        "total": INT,
        "restored": INT,
        "status": enum_of(Status),
        "sanction": nullable(obj({"kind": enum_of(SanctionKind), "start": DATE, "end": DATE})),
        "ledger": {"type": "array", "items": obj({
            "id": INT,
            "decided_on": DATE,
            "facility": {**STR, "description": "医保定点机构编码"},
            "violation": STR,
            "severity": enum_of(Severity),
            "responsibility": enum_of(Responsibility),
            "points": INT,
            "source": enum_of(PointSource),
            "reference": STR,
            "revoked": BOOL,
            "revoke_reason": nullable(STR),
        })},
    }  # fmt: skip


def _duplicate_inspection() -> dict:
    """409 to an inspection the facility already has: the validation error's fields, and
    the inspections it would repeat (same kind and start date, not cancelled)."""
    live = [s for s in InspectionStatus if s is not InspectionStatus.CANCELLED]
    existing = obj(
        {
            "id": INT,
            "reference": STR,
            "kind": enum_of(InspectionKind),
            "start_date": DATE,
            "end_date": nullable(DATE),
            "status": enum_of(live),
            "url": {**URL, "description": "医保局端的检查详情页"},
        }
    )
    return obj({"error": obj({
        "code": {**INT, "enum": [409]},
        "message": STR,
        "fields": {"type": "object", "additionalProperties": STR,
                   "description": "confirm_distinct：请求中加上 distinct_from（existing 的编号）"
                                  "即确认为另一次检查；distinct_from：请求所列之外又登记了相同"
                                  "的检查（recorded_since），请核对"},
        "existing": {"type": "array", "items": existing,
                     "description": "已登记的同类检查：同一机构、检查类型、开始日期，未撤销"},
        "recorded_since": {"type": "array", "items": INT,
                           "description": "existing 中不在请求的 distinct_from 之列的检查"
                                          "（请求所列之后登记的，例如同一请求发送了两次）；"
                                          "请求未给 distinct_from，或所列均不在 existing 中"
                                          "（确认不涵盖任何一项，按未确认处理）时为空"},
    })})  # fmt: skip


def component_schemas() -> dict:
    """The component schemas; needs the app (grades come from the credit rulebook)."""
    grade = enum_of(b.grade for b in credit_rulebook().grades)
    facility = _facility_fields(grade)
    points = _points_fields()
    return {
        "Error": obj({"error": obj({"code": INT, "message": STR})}),
        "ValidationError": obj(
            {
                "error": obj(
                    {
                        "code": INT,
                        "message": STR,
                        "fields": {"type": "object", "additionalProperties": STR},
                    }
                )
            }  # fmt: skip
        ),
        # List items: no pledge, which would cost a query per row.
        "FacilitySummary": obj(facility),
        "Facility": obj(
            {
                **facility,
                "pledge": obj(
                    {
                        "status": nullable(enum_of(PledgeStatus)),
                        "campaign_year": nullable(INT),
                        "overdue": BOOL,
                        "url": URL,
                    }
                ),
            }
        ),  # fmt: skip
        "CreditItem": obj(
            {
                "points": NUM,
                "rule": STR,
                "label": STR,
                "changes_on": nullable(DATE),
                "source": nullable(obj({"type": STR, "id": INT})),
            }
        ),  # fmt: skip
        "Credit": obj(
            {
                "site_code": STR,
                "name": STR,
                "base": INT,
                "graded": BOOL,
                "score": nullable(NUM),
                "grade": nullable(grade),
                "grade_label": nullable(STR),
                "cycle": nullable(INT),
                "as_of": nullable(DATE),
                "computed_at": nullable(TIME),
                "rulebook_version": STR,
                "caps": {"type": "array", "items": STR},
                "reason": nullable(STR),
                "breakdown": {
                    "type": "array",
                    "items": ref("CreditItem"),
                    "description": "各项分值之和加基础分等于评分",
                },
                "supervision": nullable(
                    obj({"label": STR, "sampling_weight": NUM, "inspections_per_year": INT})
                ),
                "history_url": URL,
            }
        ),  # fmt: skip
        "Pledge": obj(
            {
                "site_code": STR,
                "campaign": nullable(obj({"id": INT, "year": INT, "title": STR, "deadline": DATE})),
                "status": nullable(enum_of(PledgeStatus)),
                "overdue": BOOL,
                "document_number": nullable(STR),
                "template_version": nullable(
                    obj(
                        {
                            "id": INT,
                            "kind": enum_of(PledgeTemplateKind),
                            "version": INT,
                            "label": STR,
                        }
                    )
                ),
                "pdf_url": nullable(URL),
                "poster_url": nullable(URL),
                "verify_url": URL,
                "signed_url": nullable(URL),
                "signed_sha256": nullable(STR),
                "verified_at": nullable(TIME),
            }
        ),  # fmt: skip
        "CreditHistoryEntry": obj(
            {
                "computed_at": TIME,
                "cycle": INT,
                "as_of": DATE,
                "graded": BOOL,
                "score": nullable(NUM),
                "grade": nullable(grade),
                "previous_grade": nullable(grade),
                "changed": BOOL,
                "rulebook_version": STR,
                "trigger": {
                    "type": "string",
                    "description": "引起本次计算的事件，如 batch、finding.confirm；"
                    "人工调整获批为 adjustment.approve:<调整编号>",
                },
            }
        ),  # fmt: skip
        "Staff": obj(
            {
                "staff_code": STR,
                "name": STR,
                "id_number": {"type": "string", "description": "脱敏"},
                "profession": enum_of(Profession),
                "facilities": {
                    "type": "array",
                    "items": obj({"site_code": STR, "primary": BOOL, "since": DATE}),
                },
            }
        ),  # fmt: skip
        "StaffPoints": obj(points),
        "StaffPointsCreated": obj({"id": INT, "points": INT, **points}),
        "DuplicatePoints": obj(
            {
                "error": obj(
                    {
                        "code": {**INT, "enum": [409]},
                        "message": STR,
                        "existing": {
                            **obj({"id": INT, "points": INT, "decided_on": DATE, "reference": STR}),
                            "description": "已登记的同一记分：同一人员、机构、决定书文号、决定日期"
                            "和违规行为，未撤销",
                        },
                    }
                )
            }
        ),
        "PointsCreate": request_obj(
            {
                "facility": STR,
                "violation": {"type": "string", "maxLength": text_limits.POINTS_VIOLATION},
                "severity": enum_of(Severity),
                "responsibility": enum_of(Responsibility),
                "decided_on": DATE,
                "source": enum_of(PointSource),
                "reference": text(PointRecord.reference),
            }
        ),  # fmt: skip
        "FindingCreate": request_obj(
            {
                "category": {**STR, "description": "违规类别代码（与机构类别相符）"},
                "description": {"type": "string", "maxLength": text_limits.FINDING_DESCRIPTION},
                "period_start": DATE,
                "period_end": DATE,
                "amount_involved_fen": INT,
                "amount_refunded_fen": INT,
                "amount_recovered_fen": INT,
                "staff": {"type": "array", "items": STR, "description": "责任人员编码"},
                "handling_results": {"type": "array", "items": STR, "description": "处理结果代码"},
                "legal_article": {
                    **STR,
                    "description": "适用条款（如 38）：须为处罚对象是定点医药机构的条款；"
                    "不填则取违规类别的条款",
                },
                "fine_fen": INT,
                "decision_number": text(Finding.decision_number),
                "decision_date": DATE,
                "self_corrected": BOOL,
                "confirm": {
                    **BOOL,
                    "description": "同时认定（须有决定书文号、日期、条款与处理结果）",
                },
            },
            ["category", "description"],
        ),  # fmt: skip
        "InspectionCreate": request_obj(
            {
                "facility": {**STR, "description": "医保定点机构编码"},
                "kind": enum_of(InspectionKind),
                "trigger": enum_of(InspectionTrigger),
                "on_site": BOOL,
                "start_date": DATE,
                "end_date": DATE,
                "reference": text(Inspection.reference),
                "notes": {"type": "string", "maxLength": text_limits.INSPECTION_NOTES},
                "inspectors": {
                    "type": "array",
                    "items": STR,
                    "description": "检查人员账号；现场检查至少 2 名",
                },
                "findings": {"type": "array", "items": ref("FindingCreate")},
                "confirm_distinct": {
                    **BOOL,
                    "default": False,
                    "description": "确认这是另一次检查：该机构已有同一检查类型、同一开始日期且"
                    "未撤销的检查时仍予登记（否则返回 409）；审计日志记录此确认。"
                    "建议改用 distinct_from，重发的请求不会重复登记",
                },
                "distinct_from": {
                    "type": "array",
                    "items": {**INT, "minimum": 1},
                    "description": "确认这是另一次检查，有别于所列检查（409 返回的 existing "
                    "的编号）；此外又有相同的检查时（例如同一请求因超时重发，第一次已登记）"
                    "返回 409 并在 recorded_since 中列出，不再登记",
                },
            },
            ["facility", "kind", "trigger", "start_date", "inspectors"],
        ),  # fmt: skip
        "DuplicateInspection": _duplicate_inspection(),
        "InspectionCreated": obj(
            {
                "id": INT,
                "facility": ref("FacilitySummary"),
                "credit_url": {"type": "string", "format": "uri"},
                "findings": {
                    "type": "array",
                    "items": obj({"id": INT, "status": enum_of(FindingStatus), "category": STR}),
                },
            }
        ),  # fmt: skip
    }
