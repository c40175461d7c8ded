"""The audit trail as a bureau auditor reads it: each stored row with its action, object,
fields and values named in Chinese (the tables are in ``portal.audit_labels`` and
``portal.audit_fields``).

Display only: stored rows are hash-chained and never rewritten; the codes stay at hand for
technical staff.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from portal.audit_fields import (
    ENUM_FIELDS,
    FIELD_LABELS,
    FIELD_LABELS_BY_TYPE,
    FIELD_ORDER,
    NESTED_TYPES,
    REFERENCE_FIELDS,
    VALUE_LABELS,
)
from portal.audit_labels import (
    ACTION_GROUPS,
    ACTION_LABELS,
    NOTE_LABELS,
    OBJECT_LABELS,
    SYSTEM_ACTOR,
)
from portal.extensions import db
from portal.models.facility import Facility
from portal.models.user import User
from portal.web import china_time, yuan

EMPTY = "—"

#: The names of records summaries refer to by key, by what the records are
#: (``REFERENCE_FIELDS``): {"facility": {site code: name}, "user": {username: name}}.
Names = Mapping[str, Mapping[str, str]]


def action_label(code: str) -> str:
    """The Chinese name of an action code (the code itself if it has none)."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


def field_label(object_type: str, key: str) -> str:
    label = FIELD_LABELS_BY_TYPE.get((object_type, key)) or FIELD_LABELS.get(key)
    return str(label) if label is not None else key


def note_text(note: str) -> str:
    label = NOTE_LABELS.get(note or "")
    return str(label) if label is not None else (note or "")


def actor_text(actor_name: str) -> str:
    return _("系统") if actor_name == SYSTEM_ACTOR else actor_name


def matching_actions(text: str) -> list[str]:
    """Action codes whose Chinese name, or whose group's name, contains ``text``."""
    text = (text or "").strip()
    if not text:
        return []
    codes = []
    for group in ACTION_GROUPS:
        in_group = text in str(group.label)
        codes += [c for c, label in group.actions.items() if in_group or text in str(label)]
    return codes


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """(group label, [(value, label), ...]) for the filter's grouped select: first the whole
    group (its code prefix), then each action."""
    return [
        (
            str(group.label),
            [(group.prefix, _("全部%(g)s操作", g=group.label))]
            + [(code, str(label)) for code, label in group.actions.items()],
        )
        for group in ACTION_GROUPS
    ]


def _looks_like_timestamp(value: str) -> bool:
    return len(value) > 10 and value[4:5] == "-" and value[10:11] == "T"


def format_value(object_type: str, key: str, value, names: Names | None = None) -> str:
    """A summary value as the auditor reads it: yuan, 是/否, enum labels, China time;
    facilities and accounts by name with their key (``names``, from
    :func:`referenced_names`)."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        if not value:
            return EMPTY
        return "、".join(format_value(object_type, key, item, names) for item in value)
    referred = REFERENCE_FIELDS.get(key)
    if referred and names and isinstance(value, str):
        name = names.get(referred, {}).get(value)
        if name:
            return f"{name}（{value}）"
    if isinstance(value, dict):
        inner = NESTED_TYPES.get(key, object_type)
        return "；".join(
            f"{field_label(inner, k)}：{format_value(inner, k, v)}" for k, v in value.items()
        )
    if key.endswith("_fen") and isinstance(value, int):
        return _("%(y)s 元", y=yuan(value))
    enum_cls = ENUM_FIELDS.get((object_type, key))
    if enum_cls is not None:
        member = next((m for m in enum_cls if m.value == value), None)
        return member.label if member is not None else str(value)
    if key == "category":
        return _category_label(str(value))
    if key == "results":
        return _result_label(str(value))
    if key == "legal_article":
        return _("第%(a)s条", a=value)
    named = VALUE_LABELS.get(key, {}).get(value)
    if named is not None:
        return str(named)
    if key == "size" and isinstance(value, int):
        return _("%(n)s 字节", n=f"{value:,}")
    if isinstance(value, str) and _looks_like_timestamp(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return china_time(moment, "%Y-%m-%d %H:%M:%S")
    return str(value)


def _category_label(code: str) -> str:
    from portal.rules import taxonomy

    category = taxonomy().get(code)
    return category.label if category else code


def _result_label(code: str) -> str:
    from portal.rules import handling_results

    result = handling_results().get(code)
    return result.label if result else code


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    after: str
    #: None when the row records only the new state (a creation), not a change.
    before: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One audit row as displayed; the raw codes stay alongside the labels."""

    row: object
    action_label: str
    object_label: str
    actor: str
    note: str
    changes: list[Change] = field(default_factory=list)


def _ordered(object_type: str, part: dict) -> list:
    """``part``'s keys in the order declared for the type (``FIELD_ORDER``), those it
    does not name after them; without one, as stored."""
    order = FIELD_ORDER.get(object_type)
    if not order:
        return list(part)
    rank = {key: n for n, key in enumerate(order)}
    return sorted(part, key=lambda key: rank.get(key, len(order)))


def changes_of(object_type: str, summary: dict | None, names: Names | None = None) -> list[Change]:
    summary = summary or {}
    before, after = summary.get("before"), summary.get("after")
    if before:
        after = after or {}
        return [
            Change(
                key,
                field_label(object_type, key),
                format_value(object_type, key, after.get(key), names),
                format_value(object_type, key, before[key], names),
            )
            for key in _ordered(object_type, before)
        ]
    after = after or {}
    return [
        Change(
            key, field_label(object_type, key), format_value(object_type, key, after[key], names)
        )
        for key in _ordered(object_type, after)
    ]


def referenced_names(rows: Iterable) -> dict[str, dict[str, str]]:
    """The names of the facilities and accounts ``rows`` (``AuditLog``) refer to by key in
    their summaries, looked up once for them all. Read as they are now: a row keeps the
    key it stored, shown beside the name."""
    wanted: dict[str, set[str]] = {referred: set() for referred in REFERENCE_FIELDS.values()}
    for row in rows:
        summary = row.summary or {}
        for part in (summary.get("before"), summary.get("after")):
            if not isinstance(part, dict):
                continue
            for key, value in part.items():
                if (referred := REFERENCE_FIELDS.get(key)) is None:
                    continue
                values = value if isinstance(value, list) else [value]
                wanted[referred].update(v for v in values if isinstance(v, str) and v)
    names: dict[str, dict[str, str]] = {}
    if wanted["facility"]:
        query = select(Facility.site_code, Facility.name)
        names["facility"] = dict(
            db.session.execute(query.where(Facility.site_code.in_(wanted["facility"]))).all()
        )
    if wanted["user"]:
        query = select(User.username, User.display_name)
        names["user"] = dict(
            db.session.execute(query.where(User.username.in_(wanted["user"]))).all()
        )
    return names


def describe(row, names: Names | None = None) -> AuditEntry:
    """An ``AuditLog`` row with its labels worked out; ``names`` (:func:`referenced_names`)
    names the facilities and accounts it refers to."""
    return AuditEntry(
        row=row,
        action_label=action_label(row.action),
        object_label=object_label(row.object_type),
        actor=actor_text(row.actor_name),
        note=note_text(row.note),
        changes=changes_of(row.object_type, row.summary, names),
    )
