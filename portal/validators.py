"""Checks for Chinese identifiers: credit codes, site codes, ID numbers, staff codes.

Each ``check_*`` returns ``None`` when the value is valid and a Chinese message otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import gettext as _

# GB 32100-2015: 31 characters (no I, O, Z, S, V), weights 3^(i) mod 31.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

# GB 11643-1999 citizen ID number.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")

SITE_CODE_PATTERN = re.compile(r"^[HP]\d{11}$")
STAFF_CODE_PATTERN = re.compile(r"^[A-Z]\d{8,20}$")
PHONE_PATTERN = re.compile(r"^[0-9+\-() ]{0,30}$")
#: Largest amount in fen a money column (BIGINT) holds; a larger one cannot be stored.
MAX_FEN = 2**63 - 1
#: No date the portal records (agreements, inspections, decisions, pledges) is older than
#: the basic medical insurance system of the 1990s; an earlier one is a year typed short
#: (0202 for 2022), which would be stored and then quietly fall outside every period.
EARLIEST_DATE = date(1990, 1, 1)
#: Nor is any later than 2100 (the last year a registry import reads, the last year of a
#: pledge campaign): a later one is a year typed wrong, and 9999-12-31 (the last day the
#: date input offers) broke the credit computation, which counts months past such a date.
LATEST_DATE = date(2100, 12, 31)


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def check_credit_code(code: str) -> str | None:
    code = (code or "").strip().upper()
    if len(code) != 18:
        return _("统一社会信用代码应为18位")
    if not USCC_PATTERN.match(code):
        return _("统一社会信用代码含有不允许的字符")
    if uscc_check_char(code[:17]) != code[17]:
        return _("统一社会信用代码校验位错误")
    return None


def check_site_code(code: str, pharmacy: bool | None = None) -> str | None:
    code = (code or "").strip().upper()
    if not SITE_CODE_PATTERN.match(code):
        return _("医保定点编码应为 H 或 P 加11位数字")
    if pharmacy is True and code[0] != "P":
        return _("定点零售药店的编码应以 P 开头")
    if pharmacy is False and code[0] != "H":
        return _("定点医疗机构的编码应以 H 开头")
    return None


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def check_id_number(number: str) -> str | None:
    number = (number or "").strip().upper()
    if not ID_PATTERN.match(number):
        return _("身份证号应为18位（末位可为X）")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return _("身份证号中的出生日期无效")
    if id_check_char(number[:17]) != number[17]:
        return _("身份证号校验位错误")
    return None


def check_staff_code(code: str) -> str | None:
    code = (code or "").strip().upper()
    if not STAFF_CODE_PATTERN.match(code):
        return _("人员编码应为1位大写字母加8至20位数字")
    return None


def check_date(value: date) -> str | None:
    if value < EARLIEST_DATE:
        return _("日期不能早于%(d)s，请核对年份", d=EARLIEST_DATE.isoformat())
    if value > LATEST_DATE:
        return _("日期不能晚于%(d)s，请核对年份", d=LATEST_DATE.isoformat())
    return None


def has_visible(text: str) -> bool:
    """Whether ``text`` has a character one can see: not only spaces, control characters
    or format characters (a zero-width space, a byte-order mark), which ``strip()`` keeps."""
    return any(unicodedata.category(c)[0] not in "ZC" for c in text)


#: Brackets that decision numbers are written with (通医保记〔2026〕1号, （2026）, [2026],
#: 【2026】): one number whichever is typed.
_BRACKETS = str.maketrans("〔【〖〘[{〕】〗〙]}", "(((((())))))")


def comparable(text: str) -> str:
    """``text`` as compared to find the same thing typed again: compatibility forms folded
    (full-width letters and digits), one kind of bracket, without spaces or invisible
    characters."""
    folded = unicodedata.normalize("NFKC", text or "").translate(_BRACKETS)
    return "".join(c for c in folded if not c.isspace() and unicodedata.category(c) != "Cf")


def control_character_error(text: str, multiline: bool = True) -> str | None:
    """A message when ``text`` holds a control character: none is typed on purpose, some
    break what the text goes into (an XLSX export), and a single line holds no tab or
    line break either."""
    allowed = "\t\r\n" if multiline else ""
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in text):
        if multiline:
            return _("不能包含控制字符")
        return _("不能包含换行、制表符等控制字符")
    return None


def mask_id_number(number: str) -> str:
    """Keep the first 4 and last 4 characters: 3206**********123X."""
    number = number.strip().upper()
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """Surname and 某/某某, as exposures print individuals."""
    name = name.strip()
    if len(name) <= 1:
        return name
    return name[0] + ("某" if len(name) == 2 else "某某")
