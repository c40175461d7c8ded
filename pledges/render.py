"""Pre-filled pledge documents: HTML through Jinja (autoescaped), PDF through wkhtmltopdf.

The A4 pledge is what the legal representative signs and seals; the poster is the same text
at 600 mm x 800 mm for display. wkhtmltopdf runs with local file access disabled except the
stylesheet folder, JavaScript off and a dead proxy, so a document can reach neither the
disk nor the network; the QR code travels inside the HTML as a ``data:`` URI and the
Noto CJK fonts come from fontconfig and are embedded in the PDF.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, fields
from datetime import date
from functools import cached_property
from pathlib import Path

import jinja2
import pdfkit

from pledges.pdftext import fix_cjk_tounicode
from pledges.qr import qr_data_uri
from pledges.templates import TemplateText

PACKAGE_DIR = Path(__file__).resolve().parent
HTML_DIR = PACKAGE_DIR / "html"
ASSETS_DIR = PACKAGE_DIR / "assets"
VARIANTS = ("pledge", "poster")
#: Bumped when the layout changes, so cached PDFs of the old layout are not served.
LAYOUT_VERSION = "1"

PAGE_OPTIONS = {
    "pledge": {
        "page-size": "A4",
        "margin-top": "14mm",
        "margin-bottom": "12mm",
        "margin-left": "18mm",
        "margin-right": "18mm",
    },
    "poster": {
        "page-width": "600mm",
        "page-height": "800mm",
        "margin-top": "36mm",
        "margin-bottom": "30mm",
        "margin-left": "40mm",
        "margin-right": "40mm",
    },
}
SAFETY_OPTIONS = {
    "quiet": "",
    "encoding": "UTF-8",
    "disable-javascript": "",
    "disable-local-file-access": "",
    "allow": str(ASSETS_DIR),
    # Nothing in a document needs the network; a proxy that refuses every connection
    # makes sure nothing can reach it.
    "proxy": "http://127.0.0.1:9",
    "disable-smart-shrinking": "",
    "dpi": "300",
    "image-dpi": "300",
    "no-outline": "",
}


class RenderError(RuntimeError):
    """wkhtmltopdf is missing or failed; the message says which."""


@dataclass(frozen=True)
class PledgeDocument:
    """Everything printed on one pledge: plain values, so it pickles to worker processes."""

    template: TemplateText
    #: e.g. 定点医疗机构 第2版
    template_label: str
    facility_name: str
    credit_code: str
    site_code: str
    legal_representative: str
    county: str
    campaign_title: str
    campaign_year: int
    deadline: date
    document_number: str
    verify_url: str
    #: Issuing authority, e.g. 南通市医疗保障局.
    issuer: str

    def canonical(self) -> dict:
        """Every printed value; the template stands in by the digest of its text."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["template"] = self.template.sha256
        data["deadline"] = self.deadline.isoformat()
        data["layout"] = LAYOUT_VERSION
        return data

    @cached_property
    def data_hash_value(self) -> str:
        blob = json.dumps(self.canonical(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def data_hash(self) -> str:
        """SHA-256 over every printed value (and the layout version): the cache key."""
        return self.data_hash_value


_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(HTML_DIR)),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def chinese_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def render_html(doc: PledgeDocument, variant: str = "pledge") -> str:
    """The document as HTML; every value from ``doc`` is escaped by Jinja's autoescape."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; use one of {VARIANTS}")
    template = _ENV.get_template(f"{variant}.html")
    return template.render(
        doc=doc,
        items=doc.template.numbered_items(),
        deadline=chinese_date(doc.deadline),
        qr=qr_data_uri(doc.verify_url),
        stylesheet=(ASSETS_DIR / f"{variant}.css").as_uri(),
    )


def wkhtmltopdf_path() -> str:
    path = shutil.which("wkhtmltopdf")
    if not path:
        raise RenderError("wkhtmltopdf is not installed (apt-get install wkhtmltopdf)")
    return path


def html_to_pdf(html: str, variant: str = "pledge") -> bytes:
    """Run wkhtmltopdf on ``html`` with the page size of ``variant`` and the safety options."""
    options = SAFETY_OPTIONS | PAGE_OPTIONS[variant]
    configuration = pdfkit.configuration(wkhtmltopdf=wkhtmltopdf_path())
    try:
        pdf = pdfkit.from_string(html, False, options=options, configuration=configuration)
    except OSError as exc:
        raise RenderError(f"wkhtmltopdf failed: {exc}") from exc
    if not pdf or not pdf.startswith(b"%PDF-"):
        raise RenderError("wkhtmltopdf produced no PDF")
    return pdf


def render_pdf(doc: PledgeDocument, variant: str = "pledge") -> bytes:
    """The pledge (A4) or poster (600 mm x 800 mm) as PDF bytes. Raises :class:`RenderError`.

    A plain module-level function of picklable input, so a process pool can run it.
    """
    return fix_cjk_tounicode(html_to_pdf(render_html(doc, variant), variant))
