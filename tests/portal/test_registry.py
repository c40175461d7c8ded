"""The facility and staff registry through the bureau's web forms, and its validators."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.models.audit import AuditLog
from portal.models.enums import FacilityKind, FacilityStatus, HospitalLevel, Ownership, Role
from portal.models.facility import Facility
from portal.models.staff import StaffMember, StaffPractice
from portal.web import china_today
from tests.conftest import csrf_token
from tests.factories import credit_code, facility_data, id_number, site_code


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


def _post(client, url: str, data: dict):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token} | data)


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _listed_facilities(html: str) -> list[str]:
    return re.findall(r'<a href="/bureau/facilities/\d+">([^<]+)</a>', html)


def _listed_staff(html: str) -> list[str]:
    return re.findall(r'<a href="/bureau/staff/\d+">([^<]+)</a>', html)


@pytest.fixture
def editor(db, client, auth, make_user):
    """A client logged in as an inspector (who may edit the registry)."""
    make_user(Role.INSPECTOR, "registry_editor")
    assert auth.login("registry_editor").status_code == 302
    return client


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
    assert _search(editor, q="分页医院", page=4) == []

    page = editor.get("/bureau/facilities", query_string={"q": "分页医院"}).get_data(as_text=True)
    assert f"共 {len(names)} 条" in page
    next_link = re.search(r'<a href="([^"]+)">下一页</a>', page).group(1)
    assert "page=2" in next_link and "q=" in next_link  # filters are kept


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999999999999999"])
def test_odd_page_numbers_do_not_break_the_list(editor, spread, page):
    response = editor.get("/bureau/facilities", query_string={"page": page})
    assert response.status_code in (200, 404)
    response = editor.get("/facilities", query_string={"page": page})
    assert response.status_code in (200, 404)


# --- Staff -----------------------------------------------------------------------------------


def _staff_form(n: int, sites: str, **overrides) -> dict:
    data = {
        "name": f"员工{n}",
        "staff_code": f"D{320700000000 + n}",
        "id_number": id_number(n, "19900101"),
        "profession": "doctor",
        "site_codes": sites,
    }
    data.update(overrides)
    return data


@pytest.fixture
def sites(db, make_facility):
    made = [make_facility(name=f"执业点{n}") for n in range(1, 4)]
    db.session.commit()
    return made


def _staff(db, staff_code: str) -> StaffMember | None:
    return db.session.scalar(select(StaffMember).where(StaffMember.staff_code == staff_code))


def test_create_staff_with_multi_site_practice(db, editor, sites):
    a, b, c = sites
    codes = f"{b.site_code}，{a.site_code.lower()}; {c.site_code} {b.site_code}"
    response = _post(editor, "/bureau/staff/new", _staff_form(401, codes, profession="nurse"))
    assert response.status_code == 302
    staff = _staff(db, "D320700000401")
    assert staff is not None
    assert [f.site_code for f in staff.facilities] == [b.site_code, a.site_code, c.site_code]
    primary = [p.facility.site_code for p in staff.practices if p.is_primary]
    assert primary == [b.site_code]
    assert all(p.start_date == china_today() and p.end_date is None for p in staff.practices)
    detail = editor.get(response.headers["Location"]).get_data(as_text=True)
    for site in sites:
        assert site.name in detail


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"site_codes": "H99999999999"}, "未找到定点机构：H99999999999"),
        ({"site_codes": ""}, "此项必填"),
        ({"id_number": ""}, "此项必填"),
        ({"id_number": "320602199001010010"}, "身份证号校验位错误"),
        ({"id_number": "32060219900230001X"}, "身份证号中的出生日期无效"),
        ({"id_number": "12345"}, "身份证号应为18位"),
        ({"staff_code": "12345"}, "人员编码应为1位大写字母加8至20位数字"),
        ({"name": ""}, "此项必填"),
    ],
)
def test_invalid_staff_is_refused_and_not_saved(db, editor, sites, change, message):
    form = _staff_form(402, sites[0].site_code) | change
    if change.get("id_number") == "320602199001010010":
        valid = id_number(1, "19900101")
        assert valid[-1] != "0", "test data: pick a number whose check digit is not 0"
    before = (_count(db, StaffMember), _count(db, StaffPractice), _count(db, AuditLog))
    response = _post(editor, "/bureau/staff/new", form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert (_count(db, StaffMember), _count(db, StaffPractice), _count(db, AuditLog)) == before


def test_unknown_site_code_among_known_ones_saves_nothing(db, editor, sites):
    form = _staff_form(403, f"{sites[0].site_code} H99999999998")
    response = _post(editor, "/bureau/staff/new", form)
    assert "未找到定点机构：H99999999998" in response.get_data(as_text=True)
    assert _staff(db, form["staff_code"]) is None


def test_duplicate_id_number_and_staff_code_are_refused(db, editor, sites, make_staff):
    existing = make_staff([sites[0]], id_number=id_number(404, "19900101"))
    db.session.commit()
    form = _staff_form(405, sites[1].site_code, id_number=id_number(404, "19900101").lower())
    response = _post(editor, "/bureau/staff/new", form)
    assert "该身份证号已登记为其他人员" in response.get_data(as_text=True)
    assert _staff(db, form["staff_code"]) is None

    form = _staff_form(406, sites[1].site_code, staff_code=existing.staff_code)
    response = _post(editor, "/bureau/staff/new", form)
    assert "该人员编码已登记" in response.get_data(as_text=True)
    assert _count(db, StaffMember) == 1


def test_editing_practices_ends_removed_ones(db, editor, sites, make_staff):
    a, b, c = sites
    staff = make_staff([a, b], name="钱多点")
    db.session.commit()
    original_hash = staff.id_number_hash
    url = f"/bureau/staff/{staff.id}/edit"
    page = editor.get(url).get_data(as_text=True)
    assert f"{a.site_code} {b.site_code}" in page
    assert id_number(1) not in page  # the edit form never pre-fills the ID number

    form = {
        "name": staff.name,
        "staff_code": staff.staff_code,
        "id_number": "",
        "profession": "doctor",
        "site_codes": f"{b.site_code} {c.site_code}",
    }
    assert _post(editor, url, form).status_code == 302
    db.session.expire_all()
    staff = db.session.get(StaffMember, staff.id)
    by_site = {p.facility.site_code: p for p in staff.practices}
    assert set(by_site) == {a.site_code, b.site_code, c.site_code}  # nothing deleted
    assert by_site[a.site_code].end_date == china_today()
    assert not by_site[a.site_code].is_primary
    assert by_site[b.site_code].end_date is None and by_site[b.site_code].is_primary
    assert by_site[c.site_code].end_date is None and not by_site[c.site_code].is_primary
    assert by_site[b.site_code].start_date == date(2026, 1, 5)  # kept from registration
    assert [f.site_code for f in staff.facilities] == [b.site_code, c.site_code]
    assert staff.id_number_hash == original_hash  # blank ID keeps the stored one

    # The ended practice stays visible in the person's history.
    detail = editor.get(f"/bureau/staff/{staff.id}").get_data(as_text=True)
    assert a.name in detail and china_today().isoformat() in detail

    # Back at the first site: the link reopens.
    assert _post(editor, url, form | {"site_codes": a.site_code}).status_code == 302
    db.session.expire_all()
    staff = db.session.get(StaffMember, staff.id)
    open_sites = [f.site_code for f in staff.facilities]
    assert open_sites == [a.site_code]
    assert _count(db, StaffPractice) == 3


def test_edit_staff_with_new_id_number(db, editor, sites, make_staff):
    staff = make_staff([sites[0]])
    other = make_staff([sites[1]])
    db.session.commit()
    url = f"/bureau/staff/{staff.id}/edit"
    form = {
        "name": staff.name,
        "staff_code": staff.staff_code,
        "profession": "doctor",
        "site_codes": sites[0].site_code,
    }
    new_number = id_number(421, "19751111")
    assert _post(editor, url, form | {"id_number": new_number}).status_code == 302
    db.session.expire_all()
    assert db.session.get(StaffMember, staff.id).id_number_masked == (
        new_number[:4] + "*" * 10 + new_number[-4:]
    )
    # Taking another person's number is refused.
    response = _post(editor, url, form | {"id_number": id_number(2)})
    assert "该身份证号已登记为其他人员" in response.get_data(as_text=True)
    assert other.id_number_hash != db.session.get(StaffMember, staff.id).id_number_hash


def test_search_staff_by_exact_id_number_only(db, editor, sites, make_staff):
    full = id_number(777, "19910203")
    make_staff([sites[0]], name="陈搜索", staff_code="N12345678", id_number=full)
    make_staff([sites[1]], name="林其他", staff_code="N87654321", id_number=id_number(778))
    db.session.commit()

    def found(q: str) -> list[str]:
        response = editor.get("/bureau/staff", query_string={"q": q})
        return _listed_staff(response.get_data(as_text=True))

    assert found(full) == ["陈搜索"]
    assert found(full.lower()) == ["陈搜索"]
    assert found(f"  {full} ") == ["陈搜索"]
    masked = full[:4] + "*" * 10 + full[-4:]
    for partial in (full[:10], full[6:14], full[-6:], full[:17], masked, full[-4:]):
        assert found(partial) == [], partial
    assert found("陈搜") == ["陈搜索"]
    assert found("N1234") == ["陈搜索"]


def test_staff_list_filters_by_profession(db, editor, sites, make_staff):
    from portal.models.enums import Profession

    make_staff([sites[0]], name="护士甲", profession=Profession.NURSE)
    make_staff([sites[0]], name="药师乙", profession=Profession.PHARMACIST)
    db.session.commit()
    page = editor.get("/bureau/staff", query_string={"profession": "nurse"})
    assert _listed_staff(page.get_data(as_text=True)) == ["护士甲"]


def test_facility_detail_lists_its_current_staff(db, editor, sites, make_staff):
    make_staff([sites[0], sites[1]], name="两地医生")
    make_staff([sites[1]], name="别处医生")
    db.session.commit()
    page = editor.get(f"/bureau/facilities/{sites[0].id}").get_data(as_text=True)
    assert _listed_staff(page) == ["两地医生"]


# --- Validators ------------------------------------------------------------------------------

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def independent_uscc_check(first17: str) -> str:
    """GB 32100-2015 written out again here, so the test does not trust the code it tests."""
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(first17, weights, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def independent_id_check(first17: str) -> str:
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def test_valid_credit_codes(ctx):
    from portal.validators import check_credit_code, uscc_check_char

    # An enterprise (91) registered in 崇川区 (320602), in the "MA" style of recent codes.
    first17 = "91320602MA1N7QK8R"
    constructed = first17 + independent_uscc_check(first17)
    assert uscc_check_char(first17) == constructed[-1]
    assert check_credit_code(constructed) is None
    assert check_credit_code(constructed.lower()) is None
    assert check_credit_code(f" {constructed} ") is None
    # A public institution (12) like the test hospitals.
    assert check_credit_code(credit_code(5)) is None
    # Published codes of two well-known companies.
    assert check_credit_code("91440300708461136T") is None
    assert check_credit_code("914403001922038216") is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "应为18位"),
        ("91320602MA1N7QK8", "应为18位"),
        ("91320602MA1N7QK8R00", "应为18位"),
        ("91320602MA1N7QK8I0", "不允许的字符"),  # I is not in the GB 32100 alphabet
        ("91320602MA1N7QK8O0", "不允许的字符"),
        ("913206O2MA1N7QK8R0", "不允许的字符"),  # letters not allowed in the region code
        ("91440300708461136U", "校验位错误"),
        ("914403001922038217", "校验位错误"),
    ],
)
def test_invalid_credit_codes(ctx, code, message):
    from portal.validators import check_credit_code

    assert message in check_credit_code(code)


def test_every_wrong_check_character_is_caught(ctx):
    from portal.validators import check_credit_code

    first17 = "12320602466012345"
    right = independent_uscc_check(first17)
    for ch in USCC_CHARS:
        result = check_credit_code(first17 + ch)
        assert (result is None) is (ch == right), ch


@pytest.mark.parametrize(
    ("code", "pharmacy", "ok"),
    [
        ("H32060200001", None, True),
        ("P32060200001", None, True),
        ("h32060200001", False, True),
        ("P32060200001", True, True),
        ("H32060200001", True, False),
        ("P32060200001", False, False),
        ("H3206020000", None, False),
        ("H320602000011", None, False),
        ("Q32060200001", None, False),
        ("H3206020000A", None, False),
    ],
)
def test_site_codes(ctx, code, pharmacy, ok):
    from portal.validators import check_site_code

    assert (check_site_code(code, pharmacy) is None) is ok


def test_id_numbers(ctx):
    from portal.validators import check_id_number

    first17 = "32060219800101001"
    valid = first17 + independent_id_check(first17)
    assert check_id_number(valid) is None
    # Find a number whose check character is X, and accept it in either case.
    with_x = next(
        f"32060219800101{n:03d}"
        for n in range(1000)
        if independent_id_check(f"32060219800101{n:03d}") == "X"
    )
    assert check_id_number(with_x + "X") is None
    assert check_id_number(with_x + "x") is None
    wrong = next(c for c in "0123456789X" if c != valid[-1])
    assert "校验位错误" in check_id_number(first17 + wrong)
    bad_date = "32060219800230001"
    assert "出生日期无效" in check_id_number(bad_date + independent_id_check(bad_date))
    bad_month = "32060219801301001"
    assert "出生日期无效" in check_id_number(bad_month + independent_id_check(bad_month))
    assert "应为18位" in check_id_number("32060219800101001")
    assert "应为18位" in check_id_number("3206021980010100XX")
    assert "应为18位" in check_id_number("")


def test_factories_make_valid_numbers(ctx):
    from portal.validators import check_credit_code, check_id_number, check_site_code

    for n in (1, 42, 999):
        assert check_credit_code(credit_code(n)) is None
        assert check_id_number(id_number(n)) is None
        assert check_site_code(site_code(n), pharmacy=False) is None
        assert check_site_code(site_code(n, pharmacy=True), pharmacy=True) is None


def test_mask_id_number():
    from portal.validators import mask_id_number

    assert mask_id_number("32060219800101001x") == "3206**********001X"
    assert mask_id_number(" 320602198001010013 ") == "3206**********0013"
    masked = mask_id_number("110105199912310027")
    assert len(masked) == 18 and masked.count("*") == 10
    assert "19991231" not in masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张某"),
        ("王小明", "王某某"),
        ("欧阳娜娜", "欧某某"),
        ("李", "李"),
        (" 赵四 ", "赵某"),
    ],
)
def test_mask_name(name, masked):
    from portal.validators import mask_name

    assert mask_name(name) == masked
