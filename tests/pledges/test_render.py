"""Rendering: the PDFs carry the facility and every item, at the right size, with a QR code
that decodes to the verification URL; user strings are escaped; fonts are embedded."""

from __future__ import annotations

import io
import subprocess
import unicodedata
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader

from pledges import render
from pledges.pdftext import fix_cmap
from pledges.qr import qr_png
from pledges.templates import (
    KINDS,
    TemplateError,
    chinese_numeral,
    load_sample,
    template_from_dict,
)

VERIFY_URL = "https://ybj.nantong.gov.cn/v/H32060200001"


def document(kind: str = "institution", **overrides) -> render.PledgeDocument:
    template = load_sample(kind)
    values = {
        "template": template,
        "template_label": f"{template.label} 第1版",
        "facility_name": "南通市第一人民医院",
        "credit_code": "12320600000000001X",
        "site_code": "H32060200001",
        "legal_representative": "张三",
        "county": "崇川区",
        "campaign_title": "2026年度维护医保基金安全承诺书签署",
        "campaign_year": 2026,
        "deadline": date(2026, 5, 31),
        "document_number": "YBCN2026-01-H32060200001",
        "verify_url": VERIFY_URL,
        "issuer": "南通市医疗保障局",
    }
    values.update(overrides)
    return render.PledgeDocument(**values)


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    return "".join(out.split())  # lines wrap anywhere in Chinese text


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def rendered():
    return {
        (kind, variant): render.render_pdf(document(kind), variant)
        for kind in KINDS
        for variant in render.VARIANTS
    }


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("variant", render.VARIANTS)
def test_pdf_text_has_the_facility_and_every_item(rendered, kind, variant, tmp_path):
    text = pdf_text(rendered[(kind, variant)], tmp_path)
    # Extracted text is the printed characters, not CJK radicals sharing their glyphs.
    assert not any("\u2e80" <= c <= "\u2fdf" for c in text)
    doc = document(kind)
    for value in (
        doc.facility_name,
        doc.credit_code,
        doc.site_code,
        doc.legal_representative,
        doc.document_number,
        doc.template_label,
        doc.campaign_title,
        doc.template.title,
        doc.template.opening,
        doc.template.closing,
    ):
        assert squash(value) in text, value
    for number, item in doc.template.numbered_items():
        assert squash(number + item) in text, item


def test_verbatim_items_of_seed_003_keep_their_numbers(rendered, tmp_path):
    text = pdf_text(rendered[("institution", "pledge")], tmp_path)
    assert "十、不采用为参保人员重复或者无指征化验" in text
    assert "十二、严格按照《医疗机构执业许可证》准许范围" in text
    text = pdf_text(rendered[("pharmacy", "pledge")], tmp_path)
    assert "七、不自行增设、延伸医保管理信息系统服务网点" in text


def test_page_sizes(rendered):
    pledge = PdfReader(io.BytesIO(rendered[("institution", "pledge")]))
    poster = PdfReader(io.BytesIO(rendered[("institution", "poster")]))
    assert len(pledge.pages) == 1 and len(poster.pages) == 1
    a4 = pledge.pages[0].mediabox
    assert float(a4.width) == pytest.approx(595.3, abs=1) and float(a4.height) == pytest.approx(
        841.9, abs=1
    )
    box = poster.pages[0].mediabox
    # 600 mm x 800 mm = 1700.8 pt x 2267.7 pt
    assert float(box.width) == pytest.approx(600 / 25.4 * 72, abs=1.5)
    assert float(box.height) == pytest.approx(800 / 25.4 * 72, abs=1.5)


def test_cjk_fonts_are_embedded(rendered, tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(rendered[("pharmacy", "pledge")])
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True)
    rows = [line.split() for line in out.stdout.splitlines()[2:] if line.strip()]
    assert rows and all("CJK" in row[0] for row in rows)
    # Columns: name type... emb sub uni object generation; "emb" is the 5th from the end.
    assert all(row[-5] == "yes" for row in rows), out.stdout


@pytest.mark.parametrize("variant", render.VARIANTS)
def test_qr_code_decodes_to_the_verification_url(rendered, variant, tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(rendered[("institution", variant)])
    dpi = "150" if variant == "pledge" else "40"
    subprocess.run(
        ["pdftoppm", "-r", dpi, "-png", "-singlefile", str(path), str(tmp_path / "page")],
        check=True,
    )
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.stdout.strip() == VERIFY_URL


def test_qr_png_is_a_png():
    image = Image.open(io.BytesIO(qr_png(VERIFY_URL)))
    assert image.format == "PNG" and image.size[0] == image.size[1]


def test_user_strings_are_escaped():
    html = render.render_html(
        document(
            facility_name='<script>alert(1)</script><img src="file:///etc/passwd">',
            legal_representative="<b>张</b>",
            county='"><meta name="pdfkit-page-size" content="A0">',
        )
    )
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert 'src="file:///etc/passwd"' not in html
    assert "<b>张</b>" not in html
    assert '<meta name="pdfkit' not in html


def test_local_files_and_network_are_unreachable(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    html = (
        f'<html><body><iframe src="{secret.as_uri()}"></iframe>'
        '<img src="http://127.0.0.1:1/x.png">'
        "<p>维护医保基金安全</p></body></html>"
    )
    try:
        pdf = render.html_to_pdf(html)
    except render.RenderError:
        return  # refused outright: also fine
    assert "TOP-SECRET-CONTENT" not in pdf_text(pdf, tmp_path)


def test_data_hash_changes_with_any_printed_value():
    base = document()
    assert base.data_hash() == document().data_hash()
    assert base.data_hash() != document(facility_name="另一家医院").data_hash()
    assert base.data_hash() != document(deadline=date(2026, 6, 30)).data_hash()
    other = template_from_dict(load_sample("institution").as_dict() | {"title": "新标题"})
    assert base.data_hash() != document(template=other).data_hash()


def test_unknown_variant():
    with pytest.raises(ValueError):
        render.render_html(document(), "banner")


def test_samples_and_numbering():
    institution = load_sample("institution")
    assert len(institution.items) >= 12
    assert institution.items[0].startswith("根据参保患者病情")
    assert institution.items[9].startswith("不采用为参保人员重复")
    assert institution.items[11].startswith("严格按照《医疗机构执业许可证》")
    pharmacy = load_sample("pharmacy")
    assert pharmacy.items[0].startswith("不盗刷医疗保障身份凭证")
    assert pharmacy.items[6].startswith("不自行增设")
    assert [chinese_numeral(n) for n in (1, 9, 10, 11, 12, 20, 21, 99)] == [
        "一",
        "九",
        "十",
        "十一",
        "十二",
        "二十",
        "二十一",
        "九十九",
    ]


def test_template_validation_names_each_problem():
    with pytest.raises(TemplateError) as caught:
        template_from_dict({"kind": "bank", "title": "", "items": "", "signature": []})
    assert {"kind", "title", "items", "signature", "opening", "closing"} <= set(caught.value.errors)
    text = template_from_dict(
        load_sample("pharmacy").as_dict() | {"items": "第一条\n\n第二条\n", "signature": "盖章"}
    )
    assert text.items == ("第一条", "第二条") and text.signature == ("盖章",)


def test_fix_cmap_swaps_only_destinations():
    cmap = (
        b"2 beginbfrange\n<0000> <0000> <0000>\n<2F00> <2F01> [<2F00> <2EA0>]\n"
        b"endbfrange\n1 beginbfchar\n<2F00> <2F08>\nendbfchar\n"
    )
    fixed = fix_cmap(cmap)
    assert b"<2F00> <2F01> [<4E00> <6C11>]" in fixed  # sources kept, destinations mapped
    assert b"<2F00> <4EBA>" in fixed
    assert unicodedata.normalize("NFKC", "\u2f08") == "人"
