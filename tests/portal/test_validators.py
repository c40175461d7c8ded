"""The registry's validators: credit codes, site codes, ID numbers, and masking personal data."""

from __future__ import annotations

import pytest

from tests.factories import credit_code, id_number, site_code

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
