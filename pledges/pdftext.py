"""Make the text of rendered PDFs copy, search and extract as the characters printed.

wkhtmltopdf (Qt) writes each font's ``/ToUnicode`` map from the font's own cmap, and where
one glyph serves both a CJK radical and the unified ideograph (Noto CJK draws 一 and the
Kangxi radical ⼀ with one glyph) it may name the radical. Text extracted from the PDF then
reads "统⼀社会信⽤代码" instead of "统一社会信用代码". :func:`fix_cjk_tounicode` rewrites
those entries to the ideograph.

``data/cjk_radicals.json`` maps radical code points (U+2E80-U+2FDF) to the ideograph that
shares the glyph, taken from the cmaps of the Noto CJK SC faces (fonts-noto-cjk).
"""

from __future__ import annotations

import io
import json
import re
import warnings
from functools import cache
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject

RADICALS_FILE = Path(__file__).resolve().parent / "data" / "cjk_radicals.json"
_ARRAY = re.compile(rb"\[([^\]]*)\]")
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]{4})>")
_PAIR = re.compile(rb"(<[0-9A-Fa-f]+>\s*)<([0-9A-Fa-f]{4})>")
_RANGE = re.compile(rb"(<[0-9A-Fa-f]+>\s*<[0-9A-Fa-f]+>\s*)<([0-9A-Fa-f]{4})>")


@cache
def radical_map() -> dict[bytes, bytes]:
    """Upper-case 4-digit hex of a radical -> hex of its unified ideograph."""
    with open(RADICALS_FILE, encoding="utf-8") as fh:
        data = json.load(fh)
    return {k.encode("ascii"): v.encode("ascii") for k, v in data.items()}


def _swap(code: bytes) -> bytes:
    return radical_map().get(code.upper(), code)


def fix_cmap(cmap: bytes) -> bytes:
    """Rewrite radical destinations in one ToUnicode CMap (source codes are untouched)."""

    def fix_array(match: re.Match) -> bytes:
        inner = _HEX.sub(lambda m: b"<" + _swap(m.group(1)) + b">", match.group(1))
        return b"[" + inner + b"]"

    def fix_ranges(match: re.Match) -> bytes:
        body = _ARRAY.sub(fix_array, match.group(1))
        body = _RANGE.sub(lambda m: m.group(1) + b"<" + _swap(m.group(2)) + b">", body)
        return b"beginbfrange" + body + b"endbfrange"

    def fix_chars(match: re.Match) -> bytes:
        body = _PAIR.sub(lambda m: m.group(1) + b"<" + _swap(m.group(2)) + b">", match.group(1))
        return b"beginbfchar" + body + b"endbfchar"

    cmap = _BFRANGE.sub(fix_ranges, cmap)
    return _BFCHAR.sub(fix_chars, cmap)


def fix_cjk_tounicode(pdf: bytes) -> bytes:
    """The same PDF with radical code points in every font's ToUnicode map replaced by
    their ideographs; returned unchanged when there is nothing to fix."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = PdfReader(io.BytesIO(pdf))
        writer = PdfWriter(clone_from=reader)
    changed = False
    seen: set[int] = set()
    for page in writer.pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources else None
        if not fonts:
            continue
        for ref in fonts.get_object().values():
            font = ref.get_object()
            to_unicode = font.get(NameObject("/ToUnicode"))
            if to_unicode is None:
                continue
            stream = to_unicode.get_object()
            if id(stream) in seen or not isinstance(stream, StreamObject):
                continue
            seen.add(id(stream))
            before = stream.get_data()
            after = fix_cmap(before)
            if after != before:
                stream.set_data(after)
                changed = True
    if not changed:
        return pdf
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
