"""Upload checks by content: what is accepted, and each kind of file that is refused."""

from __future__ import annotations

import hashlib

import pytest

from pledges.uploads import UploadRejected, check_upload, display_name
from tests.pledges import samples


def test_a_pdf_scan_is_accepted_with_its_pages_and_digest():
    data = samples.good_pdf(pages=2)
    checked = check_upload(data, "承诺书扫描件.pdf")
    assert checked.kind == "pdf" and checked.pages == 2
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.media_type == "application/pdf" and checked.extension == ".pdf"


@pytest.mark.parametrize(("fmt", "kind"), [("PNG", "png"), ("JPEG", "jpeg")])
def test_images_are_accepted(fmt, kind):
    checked = check_upload(samples.image(fmt), "scan")
    assert checked.kind == kind and (checked.width, checked.height) == (800, 1100)


def test_the_name_does_not_decide_the_type():
    # A PNG called .pdf is a PNG; a PDF called .jpg is a PDF.
    assert check_upload(samples.image("PNG"), "scan.pdf").kind == "png"
    assert check_upload(samples.good_pdf(), "scan.jpg").kind == "pdf"


BAD = {
    "zero bytes": (b"", "a.pdf", "empty"),
    "wrong magic": (b"GIF89a" + b"\x00" * 2000, "a.png", "unsupported"),
    "zip named pdf": (b"PK\x03\x04" + b"\x00" * 100, "a.pdf", "unsupported"),
    "html named png": (samples.HTML, "photo.png", "markup"),
    "html with bom": (b"\xef\xbb\xbf  " + samples.HTML, "photo.png", "markup"),
    "svg": (samples.SVG, "logo.svg.png", "markup"),
    "truncated pdf": (samples.good_pdf()[:-60], "a.pdf", "truncated"),
    "pdf header only": (b"%PDF-1.7\n%%EOF\nstartxref\n", "a.pdf", "bad_pdf"),
    "pdf with javascript": (samples.pdf_with_javascript(), "a.pdf", "active_content"),
    "pdf open action js": (samples.pdf_with_open_action_js(), "a.pdf", "active_content"),
    "pdf launch action": (samples.pdf_with_launch_action(), "a.pdf", "active_content"),
    "pdf additional actions": (samples.pdf_with_page_aa(), "a.pdf", "active_content"),
    "pdf embedded file": (samples.pdf_with_embedded_file(), "a.pdf", "active_content"),
    "pdf hex-escaped js": (samples.pdf_with_hex_escaped_js_name(), "a.pdf", "active_content"),
    "encrypted pdf": (samples.encrypted_pdf(), "a.pdf", "encrypted"),
    "truncated png": (samples.image("PNG")[:-400], "a.png", "bad_image"),
    "truncated jpeg": (samples.image("JPEG")[:-300], "a.jpg", "bad_image"),
    "png then html": (samples.image("PNG") + samples.HTML, "a.png", "markup"),
    "tiny image": (samples.image("PNG", size=(120, 90)), "a.png", "image_too_small"),
    "traversal name": (samples.good_pdf(), "../../etc/passwd", "bad_name"),
    "windows traversal": (samples.good_pdf(), "..\\..\\boot.ini", "bad_name"),
    "absolute name": (samples.good_pdf(), "/etc/passwd", "bad_name"),
    "drive letter": (samples.good_pdf(), "C:evil.pdf", "bad_name"),
    "control chars": (samples.good_pdf(), "a\x00.pdf", "bad_name"),
    "c1 control": (samples.good_pdf(), "a\x85.pdf", "bad_name"),
    # Shown as "exe.png": a right-to-left override reverses what follows it.
    "right-to-left override": (samples.image("PNG"), "\u202egnp.exe", "bad_name"),
    "zero-width space": (samples.good_pdf(), "scan\u200b.pdf", "bad_name"),
    "name too long": (samples.good_pdf(), "扫" * 252 + ".pdf", "long_name"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_are_refused_with_a_chinese_message(case):
    data, name, code = BAD[case]
    with pytest.raises(UploadRejected) as caught:
        check_upload(data, name)
    assert caught.value.code == code
    message = str(caught.value)
    assert any("\u4e00" <= c <= "\u9fff" for c in message), message


def test_too_large_uses_the_configured_limit():
    data = samples.good_pdf()
    with pytest.raises(UploadRejected) as caught:
        check_upload(data, "a.pdf", max_bytes=len(data) - 1)
    assert caught.value.code == "too_large"
    assert check_upload(data, "a.pdf", max_bytes=len(data)).kind == "pdf"


def test_too_many_pages():
    with pytest.raises(UploadRejected) as caught:
        check_upload(samples.good_pdf(pages=4), "a.pdf", max_pages=3)
    assert caught.value.code == "too_many_pages" and "4" in str(caught.value)


def test_allowed_kinds_restrict_photos_to_images():
    with pytest.raises(UploadRejected) as caught:
        check_upload(samples.good_pdf(), "a.pdf", allowed=("jpeg", "png"))
    assert caught.value.code == "not_allowed" and "JPEG" in str(caught.value)


def test_display_name_never_keeps_a_path():
    assert display_name("scan.pdf") == "scan.pdf"
    assert "/" not in display_name("a/b/c.pdf") and "\\" not in display_name("a\\b.pdf")
    assert display_name("") == "upload"
    assert display_name(".hidden") == "hidden"
    assert display_name("\u202egnp.exe") == "gnp.exe"


@pytest.mark.parametrize(
    ("typed", "kind", "kept"),
    [
        ("x.pdf", "png", "x.png"),
        ("现场照片.PDF", "jpeg", "现场照片.jpg"),
        ("scan.final.docx", "pdf", "scan.final.pdf"),
        ("处罚决定书", "pdf", "处罚决定书.pdf"),
        ("报告2026.03", "pdf", "报告2026.03.pdf"),
        ("x.", "png", "x.png"),
        # An extension of the detected kind stays as typed.
        ("x.JPEG", "jpeg", "x.JPEG"),
        ("退款凭证.pdf", "pdf", "退款凭证.pdf"),
        ("", "png", "evidence.png"),
    ],
)
def test_display_name_takes_the_extension_of_the_detected_kind(typed, kind, kept):
    assert display_name(typed, fallback=f"evidence.{kind}", kind=kind) == kept


def test_a_long_display_name_keeps_its_extension():
    name = display_name("扫" * 200 + ".pdf", kind="png")
    assert len(name) == 120 and name.endswith("扫.png")


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width``×``height`` pixels, with a tiny data chunk: the
    check must refuse it by its size before decoding anything."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        # Over the portal's limit but within the image library's: the size is named.
        (9_000, 9_000, "图片像素过多（9000×9000），上限为 8000 万像素"),
        # Refused by the library before its size can be read: the limit is still named.
        (30_000, 30_000, "图片像素远超上限（8000 万像素）"),
    ],
)
def test_an_image_with_too_many_pixels_names_the_limit(width, height, expected):
    with pytest.raises(UploadRejected) as exc:
        check_upload(_png_header_only(width, height), "scan.png")
    assert expected in str(exc.value) and "?" not in str(exc.value)
