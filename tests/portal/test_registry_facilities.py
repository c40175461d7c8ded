"""Registering and editing facilities through the bureau's forms, and finding them in the list."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.models.audit import AuditLog
from portal.models.enums import FacilityKind, FacilityStatus, HospitalLevel, Ownership
from portal.models.facility import Facility
from tests.factories import credit_code, facility_data, site_code
from tests.portal.web_helpers import count_rows as _count
from tests.portal.web_helpers import post_form as _post


def form_data(data: dict) -> dict:
    """Typed factory data as the browser posts it."""
    out = {}
    for key, value in data.items():
        if hasattr(value, "value"):
            value = value.value
        elif isinstance(value, date):
            value = value.isoformat()
        out[key] = value
    return out


def _listed_facilities(html: str) -> list[str]:
    return re.findall(r'<a href="/bureau/facilities/\d+">([^<]+)</a>', html)


# --- Facilities: create and edit --------------------------------------------------------


def test_create_facility_through_the_form(db, editor):
    data = form_data(facility_data(301, name="  南通市第三人民医院  "))
    data["site_code"] = data["site_code"].lower()
    response = _post(editor, "/bureau/facilities/new", data)
    assert response.status_code == 302
    facility = db.session.scalar(select(Facility).where(Facility.name == "南通市第三人民医院"))
    assert facility is not None
    assert response.headers["Location"].endswith(f"/bureau/facilities/{facility.id}")
    assert facility.site_code == site_code(301)
    assert facility.credit_code == credit_code(301)
    assert facility.kind is FacilityKind.HOSPITAL
    assert facility.agreement_start == date(2020, 1, 1)
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "已登记定点机构：南通市第三人民医院" in page


def _bad_credit_check_char() -> str:
    good = credit_code(302)
    other = next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != good[-1])
    return good[:17] + other


INVALID_FACILITIES = [
    ("credit-check-char", {"credit_code": _bad_credit_check_char()}, "统一社会信用代码校验位错误"),
    ("credit-length", {"credit_code": "12320600000"}, "统一社会信用代码应为18位"),
    (
        "credit-letter-I",
        {"credit_code": "I" + credit_code(302)[1:]},
        "统一社会信用代码含有不允许的字符",
    ),
    ("site-code-format", {"site_code": "H12345"}, "医保定点编码应为 H 或 P 加11位数字"),
    ("site-code-letter", {"site_code": "X32060200302"}, "医保定点编码应为 H 或 P 加11位数字"),
    (
        "pharmacy-with-H",
        {"kind": "pharmacy", "level": "unrated", "site_code": site_code(302)},
        "定点零售药店的编码应以 P 开头",
    ),
    (
        "hospital-with-P",
        {"site_code": site_code(302, pharmacy=True)},
        "定点医疗机构的编码应以 H 开头",
    ),
    ("clinic-with-level", {"kind": "clinic", "level": "tertiary"}, "只有医院填写等级"),
    ("missing-name", {"name": ""}, "此项必填"),
    ("bad-date", {"agreement_start": "2020-02-30"}, "请填写有效日期"),
    ("bad-kind", {"kind": "spa"}, "Not a valid choice"),
    # As the import refuses it: a phone number is digits, spaces and + - ( ).
    ("phone-with-words", {"contact_phone": "请找张三 abc"}, "只能包含数字、空格和 + - ( )"),
    # Text no one sees is no name; a control character broke the XLSX export later.
    ("invisible-name", {"name": "\u200b\ufeff"}, "此项必填"),
    ("escape-in-name", {"name": "控制\x1b字符医院"}, "不能包含换行、制表符等控制字符"),
    ("line-break-in-address", {"address": "工农路\n1号"}, "不能包含换行、制表符等控制字符"),
    # Counties from the regions file: statistics by county would count 崇川 and 崇川区 apart.
    ("county-short", {"county": "崇川"}, "请写全称“崇川区”"),
    ("county-elsewhere", {"county": "鼓楼区"}, "不是南通市的县（市、区），请填写：崇川区、通州区"),
]


@pytest.mark.parametrize(
    ("change", "message"),
    [(c, m) for _id, c, m in INVALID_FACILITIES],
    ids=[i for i, _c, _m in INVALID_FACILITIES],
)
def test_invalid_facility_is_refused_in_chinese_and_not_saved(db, editor, change, message):
    before = (_count(db, Facility), _count(db, AuditLog))
    data = form_data(facility_data(302)) | change
    response = _post(editor, "/bureau/facilities/new", data)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    if message == "Not a valid choice":
        # WTForms' own message for a forged select value; the page still shows the form.
        assert 'class="field has-error"' in body
    else:
        assert message in body
    assert (_count(db, Facility), _count(db, AuditLog)) == before


def test_text_fields_sent_as_files_are_refused_as_empty_and_not_saved(db, editor):
    """A file under a text field's name (a tampered request) is ignored: the field is
    missing, said in Chinese; the registry is unchanged (it was a 500)."""
    before = (_count(db, Facility), _count(db, AuditLog))
    data = form_data(facility_data(303)) | {
        "name": (io.BytesIO("某医院".encode()), "name.txt"),
        "legal_representative": (io.BytesIO(b"x"), "x.txt"),
    }
    response = _post(editor, "/bureau/facilities/new", data)
    assert response.status_code == 200
    assert "此项必填" in response.get_data(as_text=True)
    assert (_count(db, Facility), _count(db, AuditLog)) == before


def test_duplicate_site_code_is_refused(db, editor, make_facility):
    existing = make_facility(name="已登记医院")
    db.session.commit()
    data = form_data(facility_data(303, site_code=existing.site_code.lower(), name="重复医院"))
    response = _post(editor, "/bureau/facilities/new", data)
    assert response.status_code == 200
    assert "该医保定点编码已登记" in response.get_data(as_text=True)
    assert db.session.scalar(select(Facility).where(Facility.name == "重复医院")) is None
    assert _count(db, Facility) == 1


def test_sites_may_share_a_credit_code(db, editor, make_facility):
    """Several sites of one legal entity have one credit code but their own site codes."""
    first = make_facility()
    db.session.commit()
    data = form_data(facility_data(304, credit_code=first.credit_code, name="同一法人分院"))
    assert _post(editor, "/bureau/facilities/new", data).status_code == 302


def test_edit_facility(db, editor, make_facility):
    facility = make_facility(name="待修改医院")
    db.session.commit()
    url = f"/bureau/facilities/{facility.id}/edit"
    page = editor.get(url).get_data(as_text=True)
    assert 'value="待修改医院"' in page
    assert re.search(r'<option selected value="hospital">|<option value="hospital" selected', page)

    data = form_data(facility_data(1)) | {
        "site_code": facility.site_code,
        "credit_code": facility.credit_code,
        "name": "已修改医院",
        "status": "suspended",
        "ownership": "private",
    }
    response = _post(editor, url, data)
    assert response.status_code == 302
    db.session.expire_all()
    facility = db.session.get(Facility, facility.id)
    assert facility.name == "已修改医院"
    assert facility.status is FacilityStatus.SUSPENDED
    assert facility.ownership is Ownership.PRIVATE


def test_edit_facility_to_another_sites_code_is_refused(db, editor, make_facility):
    facility = make_facility(name="甲医院")
    other = make_facility(name="乙医院")
    db.session.commit()
    data = form_data(facility_data(1)) | {
        "site_code": other.site_code,
        "credit_code": facility.credit_code,
        "name": "甲医院改名",
    }
    response = _post(editor, f"/bureau/facilities/{facility.id}/edit", data)
    assert response.status_code == 200
    assert "该医保定点编码已登记" in response.get_data(as_text=True)
    db.session.expire_all()
    unchanged = db.session.get(Facility, facility.id)
    assert unchanged.name == "甲医院"
    assert unchanged.site_code != other.site_code


# --- Facilities: search, filters, pagination ---------------------------------------------


@pytest.fixture
def spread(db, make_facility):
    """Facilities that differ in every filterable attribute."""
    made = {
        "崇川人民医院": make_facility(name="崇川人民医院", county="崇川区"),
        "海门中医院": make_facility(
            name="海门中医院", county="海门区", ownership=Ownership.PRIVATE
        ),
        "如皋社区诊所": make_facility(
            name="如皋社区诊所", county="如皋市", kind=FacilityKind.CLINIC,
            level=HospitalLevel.UNRATED,
        ),
        "启东大药房": make_facility(
            name="启东大药房", county="启东市", kind=FacilityKind.PHARMACY,
            ownership=Ownership.PRIVATE, status=FacilityStatus.SUSPENDED,
        ),
        "崇川康复医院": make_facility(
            name="崇川康复医院", county="崇川区", status=FacilityStatus.TERMINATED
        ),
    }  # fmt: skip
    db.session.commit()
    return made


def _search(client, **params) -> list[str]:
    response = client.get("/bureau/facilities", query_string=params)
    assert response.status_code == 200
    return _listed_facilities(response.get_data(as_text=True))


def test_search_by_name_site_code_and_credit_code(editor, spread):
    assert set(_search(editor, q="崇川")) == {"崇川人民医院", "崇川康复医院"}
    pharmacy = spread["启东大药房"]
    assert _search(editor, q=pharmacy.site_code) == ["启东大药房"]
    assert _search(editor, q=pharmacy.site_code.lower()) == ["启东大药房"]
    assert _search(editor, q=pharmacy.site_code[-5:]) == ["启东大药房"]
    assert _search(editor, q=spread["海门中医院"].credit_code) == ["海门中医院"]
    assert _search(editor, q="不存在的机构") == []
    # LIKE wildcards typed by the user are literal characters.
    assert _search(editor, q="%") == []
    assert _search(editor, q="_") == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"county": "崇川区"}, {"崇川人民医院", "崇川康复医院"}),
        ({"county": "海门区"}, {"海门中医院"}),
        ({"kind": "clinic"}, {"如皋社区诊所"}),
        ({"kind": "pharmacy"}, {"启东大药房"}),
        ({"kind": "hospital"}, {"崇川人民医院", "海门中医院", "崇川康复医院"}),
        ({"status": "suspended"}, {"启东大药房"}),
        ({"status": "terminated"}, {"崇川康复医院"}),
        ({"ownership": "private"}, {"海门中医院", "启东大药房"}),
        ({"ownership": "public", "county": "崇川区", "status": "active"}, {"崇川人民医院"}),
        ({"kind": "pharmacy", "county": "崇川区"}, set()),
    ],
)
def test_filters(editor, spread, params, expected):
    assert set(_search(editor, **params)) == expected


def test_filter_options_list_the_counties_in_use(editor, spread):
    page = editor.get("/bureau/facilities").get_data(as_text=True)
    for county in ("崇川区", "海门区", "如皋市", "启东市"):
        assert f'<option value="{county}"' in page


def test_pagination(app, db, editor, make_facility):
    per_page = app.config["PAGE_SIZE"]
    names = {make_facility(name=f"分页医院{n:02d}").name for n in range(per_page * 2 + 2)}
    db.session.commit()
    seen: list[str] = []
    for page_no in (1, 2, 3):
        listed = _search(editor, q="分页医院", page=page_no)
        assert len(listed) == (per_page if page_no < 3 else 2)
        seen += listed
    assert len(seen) == len(set(seen)) == len(names)
    assert set(seen) == names

    page = editor.get("/bureau/facilities", query_string={"q": "分页医院"}).get_data(as_text=True)
    assert f"共 {len(names)} 条" in page
    next_link = re.search(r'<a href="([^"]+)">下一页</a>', page).group(1)
    assert "page=2" in next_link and "q=" in next_link  # filters are kept


@pytest.mark.parametrize("page", ["abc", "-1", "0", "", "1.5", "99999999999999999999999"])
def test_odd_page_numbers_do_not_break_the_list(editor, spread, page):
    for url in ("/bureau/facilities", "/facilities"):
        response = editor.get(url, query_string={"page": page}, follow_redirects=True)
        assert response.status_code == 200
        # Not a page number: the first page. Past the end: the last one, which is the first.
        assert "崇川人民医院" in response.get_data(as_text=True)


def test_a_page_past_the_end_leads_to_the_last_page_and_says_so(app, db, editor, make_facility):
    per_page = app.config["PAGE_SIZE"]
    for n in range(per_page * 2 + 2):
        make_facility(name=f"分页医院{n:02d}")
    db.session.commit()
    for url in ("/bureau/facilities", "/facilities"):
        response = editor.get(url, query_string={"q": "分页医院", "page": 999})
        assert response.status_code == 302
        # The last page, with the search kept.
        target = response.headers["Location"]
        assert "page=3" in target and "q=" in target
        page = editor.get(target).get_data(as_text=True)
        assert "第 999 页不存在：共 3 页，已转到第 3 页。" in page
        assert len(re.findall(r">分页医院\d\d</a>", page)) == 2


def test_an_empty_list_reads_as_empty_on_any_page(db, editor):
    for page_no in (1, 999):
        response = editor.get("/bureau/facilities", query_string={"q": "无此机构", "page": page_no})
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "没有找到符合条件的定点机构" in page and "页不存在" not in page


def test_the_county_is_chosen_from_the_list_and_an_old_one_is_kept_unchanged(
    db, editor, make_facility
):
    new_form = editor.get("/bureau/facilities/new").get_data(as_text=True)
    assert re.findall(r'<option value="([^"]*)">', new_form.split('name="county"')[1])[:8] == [
        "", "崇川区", "通州区", "海门区", "海安市", "如皋市", "如东县", "启东市"
    ]  # fmt: skip
    # Registered before the list (港闸区 has since merged into 崇川区): kept while unchanged.
    facility = make_facility(name="老区划医院")
    facility.county = "港闸区"
    db.session.commit()
    url = f"/bureau/facilities/{facility.id}/edit"
    page = editor.get(url).get_data(as_text=True)
    assert re.search(r'<option (selected )?value="港闸区"( selected)?>', page)
    data = form_data(facility_data(1)) | {
        "site_code": facility.site_code,
        "credit_code": facility.credit_code,
        "name": "老区划医院",
        "county": "港闸区",
        "contact_phone": "0513-85550000",
    }
    assert _post(editor, url, data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Facility, facility.id).contact_phone == "0513-85550000"
    # Changed, it must be on the list; to a listed one it is saved.
    response = _post(editor, url, data | {"county": "港闸"})
    assert "不是南通市的县（市、区）" in response.get_data(as_text=True)
    assert _post(editor, url, data | {"county": "崇川区"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Facility, facility.id).county == "崇川区"
    # Another facility cannot take the old name.
    elsewhere = form_data(facility_data(303, county="港闸区"))
    response = _post(editor, "/bureau/facilities/new", elsewhere)
    assert "不是南通市的县（市、区）" in response.get_data(as_text=True)
    assert db.session.scalar(select(Facility).where(Facility.site_code == site_code(303))) is None
