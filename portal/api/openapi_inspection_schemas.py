"""Component schemas of reading and changing a recorded inspection (see
``portal.api.views_inspection_changes``), added to ``openapi_schemas.component_schemas``."""

from __future__ import annotations

from portal import text_limits
from portal.api.openapi_schemas import (
    BOOL,
    DATE,
    INT,
    STR,
    TIME,
    URL,
    enum_of,
    nullable,
    obj,
    request_obj,
    text,
)
from portal.models.inspections import (
    FindingStatus,
    Inspection,
    InspectionKind,
    InspectionStatus,
    InspectionTrigger,
)


def _inspection_fields() -> dict:
    return {
        "id": INT,
        "reference": STR,
        "facility": obj({"site_code": STR, "name": STR}),
        "kind": enum_of(InspectionKind),
        "trigger": enum_of(InspectionTrigger),
        "on_site": BOOL,
        "start_date": DATE,
        "end_date": nullable(DATE),
        "status": enum_of(InspectionStatus),
        "inspectors": {"type": "array", "items": STR, "description": "检查人员账号"},
        "notes": STR,
        "closed_at": nullable(TIME),
        "cancelled_at": nullable(TIME),
        "cancel_reason": nullable(STR),
        "findings": {
            "type": "array",
            "items": obj({"id": INT, "status": enum_of(FindingStatus), "category": STR}),
        },
        "url": URL,
        "page_url": {**URL, "description": "医保局端的检查详情页"},
    }


def inspection_schemas() -> dict:
    fields = _inspection_fields()
    return {
        "Inspection": obj(fields),
        "InspectionUpdated": obj(
            {**fields, "changed": {**BOOL, "description": "是否有改动（无改动时不记审计日志）"}}
        ),
        "InspectionUpdate": {
            **obj(
                {
                    "facility": {
                        **STR,
                        "description": "医保定点机构编码；已录入违规发现后不能更换",
                    },
                    "kind": enum_of(InspectionKind),
                    "trigger": enum_of(InspectionTrigger),
                    "on_site": BOOL,
                    "start_date": DATE,
                    "end_date": nullable(DATE),
                    "reference": nullable(
                        {**text(Inspection.reference), "description": "null 即清空"}
                    ),
                    "notes": nullable(
                        {
                            **STR,
                            "maxLength": text_limits.INSPECTION_NOTES,
                            "description": "null 即清空",
                        }
                    ),
                    "inspectors": {"type": "array", "items": STR, "description": "检查人员账号"},
                    "confirm_distinct": {
                        **BOOL,
                        "default": False,
                        "description": "同 POST /inspections",
                    },
                    "distinct_from": {
                        "type": "array",
                        "items": {**INT, "minimum": 1},
                        "description": "同 POST /inspections",
                    },
                },
                [],
            ),
            "additionalProperties": False,
            "minProperties": 1,
            "description": "至少给出一项要修改的字段；其他字段（如 findings、status）返回 422",
        },
        "InspectionClose": request_obj(
            {
                "end_date": nullable(
                    {**DATE, "description": "结束日期；不填或 null 取已登记的结束日期，否则为今天"}
                )
            },
            [],
        ),  # fmt: skip
        "InspectionCancel": request_obj(
            {
                "reason": {
                    **STR,
                    "maxLength": text_limits.REVOKE_REASON,
                    "description": "撤销理由，必填",
                }
            }
        ),
    }
