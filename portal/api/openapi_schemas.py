"""Building blocks and component schemas of the OpenAPI document (see openapi.py)."""

from __future__ import annotations

STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
TIME = {"type": "string", "format": "date-time"}


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


def enum_of(values) -> dict:
    """A string limited to ``values``: an enum class (its members' values) or strings."""
    return {"type": "string", "enum": [str(getattr(v, "value", v)) for v in values]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None) -> dict:
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def json_body(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def page_of(item: str) -> dict:
    return obj(
        {
            "items": {"type": "array", "items": ref(item)},
            "page": INT,
            "per_page": INT,
            "total": INT,
        }
    )


SCHEMAS = {
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
    "Facility": obj(
        {
            "site_code": STR,
            "credit_code": STR,
            "name": STR,
            "kind": {"type": "string", "enum": ["hospital", "clinic", "pharmacy"]},
            "level": STR,
            "ownership": STR,
            "county": STR,
            "address": STR,
            "status": STR,
            "agreement_start": DATE,
            "grade": nullable(STR),
            "score": nullable(NUM),
            "graded_at": nullable(TIME),
            "url": STR,
            "credit_url": STR,
            "pledge": obj(
                {
                    "status": nullable(STR),
                    "campaign_year": nullable(INT),
                    "overdue": BOOL,
                    "url": STR,
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
            "grade": nullable(STR),
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
            "history_url": STR,
        }
    ),  # fmt: skip
    "Pledge": obj(
        {
            "site_code": STR,
            "status": nullable(STR),
            "overdue": BOOL,
            "campaign": nullable(obj({"id": INT, "year": INT, "title": STR, "deadline": DATE})),
            "document_number": STR,
            "template_version": nullable(
                obj({"id": INT, "kind": STR, "version": STR, "label": STR})
            ),
            "pdf_url": nullable(STR),
            "poster_url": nullable(STR),
            "verify_url": STR,
            "signed_url": nullable(STR),
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
            "grade": nullable(STR),
            "previous_grade": nullable(STR),
            "changed": BOOL,
            "rulebook_version": STR,
            "trigger": STR,
        }
    ),  # fmt: skip
    "Staff": obj(
        {
            "staff_code": STR,
            "name": STR,
            "id_number": {"type": "string", "description": "脱敏"},
            "profession": STR,
            "facilities": {
                "type": "array",
                "items": obj({"site_code": STR, "primary": BOOL, "since": DATE}),
            },
        }
    ),  # fmt: skip
    "StaffPoints": obj(
        {
            "staff_code": STR,
            "cycle": INT,
            "total": INT,
            "restored": INT,
            "status": STR,
            "sanction": nullable(obj({"kind": STR, "start": DATE, "end": DATE})),
            "ledger": {"type": "array", "items": {"type": "object"}},
        }
    ),  # fmt: skip
    "PointsCreate": obj(
        {
            "facility": STR,
            "violation": STR,
            "severity": STR,
            "responsibility": STR,
            "decided_on": DATE,
            "source": STR,
            "reference": STR,
        },
        [
            "facility",
            "violation",
            "severity",
            "responsibility",
            "decided_on",
            "source",
            "reference",
        ],
    ),  # fmt: skip
    "FindingCreate": obj(
        {
            "category": {**STR, "description": "违规类别代码（与机构类别相符）"},
            "description": STR,
            "period_start": DATE,
            "period_end": DATE,
            "amount_involved_fen": INT,
            "amount_refunded_fen": INT,
            "amount_recovered_fen": INT,
            "staff": {"type": "array", "items": STR, "description": "责任人员编码"},
            "handling_results": {"type": "array", "items": STR, "description": "处理结果代码"},
            "legal_article": STR,
            "fine_fen": INT,
            "decision_number": STR,
            "decision_date": DATE,
            "self_corrected": BOOL,
            "confirm": {**BOOL, "description": "同时认定（须有决定书文号、日期、条款与处理结果）"},
        },
        ["category", "description"],
    ),  # fmt: skip
    "InspectionCreate": obj(
        {
            "facility": {**STR, "description": "医保定点机构编码"},
            "kind": {
                "type": "string",
                "enum": ["routine", "special", "flight", "recheck", "double_random", "cross"],
            },
            "trigger": {"type": "string", "enum": ["plan", "tipoff", "screening", "referral"]},
            "on_site": BOOL,
            "start_date": DATE,
            "end_date": DATE,
            "reference": STR,
            "notes": STR,
            "inspectors": {
                "type": "array",
                "items": STR,
                "description": "检查人员账号；现场检查至少 2 名",
            },
            "findings": {"type": "array", "items": ref("FindingCreate")},
        },
        ["facility", "kind", "trigger", "start_date", "inspectors"],
    ),  # fmt: skip
    "InspectionCreated": obj(
        {
            "id": INT,
            "facility": ref("Facility"),
            "credit_url": STR,
            "findings": {
                "type": "array",
                "items": obj({"id": INT, "status": STR, "category": STR}),
            },
        }
    ),  # fmt: skip
}
