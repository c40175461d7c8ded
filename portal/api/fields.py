"""Reading typed values out of a JSON request body, strictly: a value of the wrong JSON
type is an error naming the field, never coerced (the string "false" is not false, the
number 20261120 is not a date).

Each reader takes the body, the field name, the ``errors`` dict to fill and a ``prefix``
for nested objects (``findings[0].``), and returns the value or a harmless default.
"""

from __future__ import annotations

import re
from datetime import date

from portal.validators import check_date, control_character_error

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read_date(body: dict, field: str, errors: dict, prefix: str = "", required: bool = False):
    value = body.get(field)
    if value is None or value == "":
        if required:
            errors[prefix + field] = "此项必填，格式 YYYY-MM-DD"
        return None
    try:
        if not isinstance(value, str) or not ISO_DATE.match(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        errors[prefix + field] = "日期格式应为 YYYY-MM-DD"
        return None
    if message := check_date(day):
        errors[prefix + field] = message
        return None
    return day


def read_bool(body: dict, field: str, errors: dict, prefix: str = "", default: bool = False):
    value = body.get(field, default)
    if not isinstance(value, bool):
        errors[prefix + field] = "应为 true 或 false"
        return default
    return value


def read_text(
    body: dict,
    field: str,
    errors: dict,
    prefix: str = "",
    max_length: int | None = None,
    multiline: bool = True,
) -> str:
    """A string; with ``max_length``, one that fits once trimmed (as it is stored). Control
    characters are refused, as on the pages; a ``multiline`` text keeps line breaks and
    tabs (a description), a single line (a reference, a decision number) has none."""
    value = body.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[prefix + field] = "应为字符串"
        return ""
    if max_length is not None and (message := length_error(value, max_length)):
        errors[prefix + field] = message
        return ""
    if message := control_character_error(value, multiline):
        errors[prefix + field] = message
        return ""
    return value


def text_limit(attribute) -> int:
    """The characters a model's ``String`` column holds. A longer value must be refused
    before it is written: PostgreSQL fails the statement (a 500 error), SQLite stores it."""
    return attribute.property.columns[0].type.length


def length_error(value: str, max_length: int) -> str | None:
    if len(value.strip()) > max_length:
        return f"不能超过{max_length}个字符"
    return None


#: The fields each request schema of the OpenAPI document lists, by schema name.
_REQUEST_FIELDS: dict[str, frozenset[str]] = {}


def refuse_unknown(body: dict, schema: str, errors: dict, prefix: str = "") -> None:
    """Name each field of ``body`` that the OpenAPI document's ``schema`` does not list. A
    misspelt field quietly ignored would do other than asked: ``"endDate"`` on a close
    would close on today, and a closed inspection's end date can no longer be corrected."""
    known = _REQUEST_FIELDS.get(schema)
    if known is None:  # the document is built once; its request fields never change
        from portal.api.openapi_inspection_schemas import inspection_schemas
        from portal.api.openapi_schemas import component_schemas

        schemas = component_schemas() | inspection_schemas()
        known = _REQUEST_FIELDS[schema] = frozenset(schemas[schema]["properties"])
    for field in body:
        if field not in known:
            errors[f"{prefix}{field}"] = "本接口不接受此字段"
