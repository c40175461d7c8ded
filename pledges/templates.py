"""Pledge templates as data: the editable samples under ``templates_data/`` and the checks
every issued version passes.

A template is only text (title, opening, numbered items, closing, signature labels); the
software never depends on its wording, so a bureau can issue its official text as a new
version. Items are kept without their numbers; :func:`chinese_numeral` numbers them.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "templates_data"
#: Template kinds: medical institutions (hospitals and clinics) and retail pharmacies.
KINDS = ("institution", "pharmacy")

LIMITS = {
    "title": 60,
    "label": 40,
    "opening": 500,
    "item": 500,
    "closing": 1000,
    "signature": 40,
    "items_max": 40,
    "signature_max": 6,
}


class TemplateError(ValueError):
    """Invalid template text; ``errors`` maps field names to Chinese messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class TemplateText:
    kind: str
    #: Who signs it, e.g. 定点医疗机构.
    label: str
    title: str
    opening: str
    items: tuple[str, ...]
    closing: str
    signature: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "title": self.title,
            "opening": self.opening,
            "items": list(self.items),
            "closing": self.closing,
            "signature": list(self.signature),
        }

    @cached_property
    def sha256(self) -> str:
        """Digest of the canonical text: equal texts have equal digests."""
        blob = json.dumps(self.as_dict(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def numbered_items(self) -> list[tuple[str, str]]:
        """``[("一、", text), ("二、", text), ...]``."""
        return [(chinese_numeral(n) + "、", text) for n, text in enumerate(self.items, start=1)]


def _text(data: dict, field: str, limit: int, errors: dict[str, str]) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        errors[field] = "此项必填"
        return ""
    value = value.strip()
    if len(value) > limit:
        errors[field] = f"不超过{limit}个字符"
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        errors[field] = "含有不可见的控制字符"
    return value


def _lines(value) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple):
        return []
    return [str(v).strip() for v in value if str(v).strip()]


#: An item that begins with a number of its own: 一、 （三） 2. 3） (4) ……
OWN_NUMBER = re.compile(
    r"\s*(?:[（(]\s*(?:[一二三四五六七八九十]+|\d+)\s*[）)]"
    r"|[一二三四五六七八九十]+\s*[、.．)）]|\d+\s*(?:[、)）]|[.．](?!\d)))"
)


def numbering_error(items) -> str | None:
    """A message when items begin with numbers of their own: the pledge numbers them,
    and "一、 一、……" would be printed. Checked when a version is issued; versions issued
    before stay readable as they are."""
    numbered = [n for n, item in enumerate(items, start=1) if OWN_NUMBER.match(item)]
    if not numbered:
        return None
    return (
        "承诺事项不要自行编号（系统自动编号为一、二、三……），请删去第"
        + "、".join(str(n) for n in numbered)
        + "条开头的序号"
    )


def template_from_dict(data: dict) -> TemplateText:
    """Build a template from plain data (a TOML table or form data); items and signature
    may be lists or one-per-line text. Raises :class:`TemplateError`."""
    errors: dict[str, str] = {}
    kind = data.get("kind")
    if kind not in KINDS:
        errors["kind"] = "模板类别无效"
    label = _text(data, "label", LIMITS["label"], errors)
    title = _text(data, "title", LIMITS["title"], errors)
    opening = _text(data, "opening", LIMITS["opening"], errors)
    closing = _text(data, "closing", LIMITS["closing"], errors)
    items = _lines(data.get("items"))
    if not items:
        errors["items"] = "至少需要一条承诺事项"
    elif len(items) > LIMITS["items_max"]:
        errors["items"] = f"承诺事项不超过{LIMITS['items_max']}条"
    elif any(len(item) > LIMITS["item"] for item in items):
        errors["items"] = f"每条承诺事项不超过{LIMITS['item']}个字符"
    elif any(any(ord(c) < 32 and c != "\t" for c in item) for item in items):
        errors["items"] = "含有不可见的控制字符"
    signature = _lines(data.get("signature"))
    if not signature:
        errors["signature"] = "至少需要一个签章栏"
    elif len(signature) > LIMITS["signature_max"] or any(
        len(s) > LIMITS["signature"] for s in signature
    ):
        errors["signature"] = (
            f"签章栏不超过{LIMITS['signature_max']}个，每个不超过{LIMITS['signature']}个字符"
        )
    if errors:
        raise TemplateError(errors)
    return TemplateText(
        kind=kind,
        label=label,
        title=title,
        opening=opening,
        items=tuple(items),
        closing=closing,
        signature=tuple(signature),
    )


def load_sample(kind: str, folder: Path = DATA_DIR) -> TemplateText:
    """The shipped sample text for ``kind`` (``institution`` or ``pharmacy``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown template kind {kind!r}; use one of {KINDS}")
    with open(folder / f"{kind}.toml", "rb") as fh:
        data = tomllib.load(fh)
    return template_from_dict(data)


def sample_name(kind: str, folder: Path = DATA_DIR) -> str:
    """The sample's own version label (``sample`` in its TOML file)."""
    with open(folder / f"{kind}.toml", "rb") as fh:
        return str(tomllib.load(fh).get("sample", ""))


_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 99 -> 九十九 (1 <= n <= 99)."""
    if not 1 <= n <= 99:
        raise ValueError("item numbers run from 1 to 99")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")
