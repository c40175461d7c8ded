"""Forms for inspections, findings and the penalty calculator."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal import text_limits
from portal.form_fields import (
    REQUIRED,
    VALID_DATE,
    CheckboxesField,
    DateField,
    Form,
    one_line,
    stripped,
)
from portal.models.inspections import InspectionKind, InspectionTrigger
from portal.validators import MAX_FEN

_MONEY = re.compile(r"^\d+(\.\d{1,2})?$")


def yuan_to_fen(text: str) -> int:
    """'1,234.5' -> 123450. Raises ValueError for anything but a non-negative amount
    with at most two decimals."""
    cleaned = (text or "").strip().replace(",", "").replace("，", "")
    if not _MONEY.match(cleaned):
        raise ValueError(text)
    try:
        return int(Decimal(cleaned) * 100)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already checked
        raise ValueError(text) from exc


def fen_to_yuan_text(fen: int | None) -> str:
    if fen is None:
        return ""
    whole, cents = divmod(int(fen), 100)
    return f"{whole}.{cents:02d}"


class MoneyField(StringField):
    """An amount typed in yuan, held as integer fen in ``data`` (0 when left empty)."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        if not self.raw.strip():
            self.data = 0
            return
        try:
            self.data = yuan_to_fen(self.raw)
        except ValueError:
            self.data = None
            raise ValueError(str(_l("请填写有效金额（单位：元，最多两位小数）"))) from None
        if self.data > MAX_FEN:
            # What no column can hold (saving refuses it too): not an amount to work with.
            self.data = None
            raise ValueError(str(_l("金额过大，请核对")))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return fen_to_yuan_text(self.data) if self.data else ""


def split_codes(text: str) -> list[str]:
    return [c.upper() for c in re.split(r"[\s,，;；、]+", text or "") if c]


class InspectionNotesForm(Form):
    """What a closed inspection still lets one correct."""

    reference = StringField(_l("检查通知书编号"), validators=[Optional(), Length(max=80)])
    notes = TextAreaField(
        _l("备注"), validators=[Optional(), Length(max=text_limits.INSPECTION_NOTES)]
    )


#: An inspection id as the ``shown`` field carries it (ids are 64-bit at most).
SHOWN_ID = re.compile(r"[0-9]{1,19}")


class InspectionForm(InspectionNotesForm):
    """Recording an inspection, and correcting an open one. Where the facility already has
    one of the same kind begun the same day (or is to have, corrected), the page names it
    and offers ``confirm_distinct``; ``shown`` carries the ids of the inspections it named,
    which the tick covers (and no other)."""

    site_code = StringField(
        _l("被检查机构医保定点编码"), filters=[stripped], validators=[REQUIRED, Length(max=12)]
    )
    kind = SelectField(_l("检查类型"), choices=InspectionKind.choices, validators=[REQUIRED])
    trigger = SelectField(_l("检查来由"), choices=InspectionTrigger.choices, validators=[REQUIRED])
    on_site = BooleanField(_l("现场检查"), default=True)
    start_date = DateField(_l("开始日期"), validators=[VALID_DATE])
    end_date = DateField(_l("结束日期"), validators=[Optional()])
    inspectors = CheckboxesField(
        _l("检查人员"),
        coerce=int,
        description=_l("现场检查须由2名以上检查人员实施"),
    )
    confirm_distinct = BooleanField(_l("确认这是另一次检查，仍要登记"))
    shown = HiddenField(_l("页面所列的相似检查"))

    def shown_ids(self) -> set[int]:
        """The ids the hidden field carries; anything else in it (the page altered) is
        ignored. ASCII digits only, and no more than an id can have: ``int`` refuses other
        Unicode digits ("²") and over 4,300 of them, which would be a 500."""
        parts = (n.strip() for n in (self.shown.data or "").split(","))
        return {int(n) for n in parts if SHOWN_ID.fullmatch(n)}


class CloseInspectionForm(Form):
    end_date = DateField(_l("结束日期"), validators=[Optional()])


class CancelInspectionForm(Form):
    reason = TextAreaField(
        _l("撤销理由"),
        description=_l("如：误登记、重复登记、检查未实施"),
        validators=[REQUIRED, Length(max=text_limits.REVOKE_REASON)],
    )
    confirm = BooleanField(
        _l("确认撤销：撤销后该检查不能再录入违规发现，也不能修改"),
        validators=[DataRequired(_l("请勾选确认撤销"))],
    )


class FindingForm(Form):
    category = SelectField(_l("违规类别"), validators=[REQUIRED])
    description = TextAreaField(
        _l("违规事实"), validators=[REQUIRED, Length(max=text_limits.FINDING_DESCRIPTION)]
    )
    period_start = DateField(_l("违规期间自"), validators=[Optional()])
    period_end = DateField(_l("违规期间至"), validators=[Optional()])
    amount_involved = MoneyField(_l("涉及金额（元）"))
    amount_refunded = MoneyField(_l("已退回金额（元）"))
    amount_recovered = MoneyField(_l("已追回金额（元）"))
    staff_codes = StringField(
        _l("责任人员编码"),
        description=_l("多个编码用空格、逗号或分号分隔"),
        filters=[one_line],
        validators=[Optional(), Length(max=1000)],
    )
    results = CheckboxesField(_l("处理结果"))
    #: Checked by the finding operation, which says why an article is refused (unknown, or
    #: not one whose penalties fall on facilities) instead of "not a valid choice".
    legal_article = SelectField(_l("适用条款"), validators=[Optional()], validate_choice=False)
    fine = MoneyField(_l("罚款金额（元）"))
    decision_number = StringField(_l("决定书文号"), validators=[Optional(), Length(max=80)])
    decision_date = DateField(_l("决定日期"), validators=[Optional()])
    self_inspection_id = SelectField(_l("自查自纠报告"), coerce=int, validators=[Optional()])
    self_corrected = BooleanField(_l("在自查自纠期限内主动整改并退回"))


class RevokeFindingForm(Form):
    reason = TextAreaField(
        _l("撤销理由"), validators=[REQUIRED, Length(max=text_limits.REVOKE_REASON)]
    )


class ButtonForm(Form):
    """A POST with nothing but the CSRF token (confirm, recompute ...)."""


class PenaltyForm(Form):
    """The standalone calculator: read from the query string, nothing is saved."""

    class Meta:
        csrf = False

    legal_article = SelectField(_l("适用条款"), validators=[REQUIRED])
    amount_involved = MoneyField(_l("损失（涉及）金额（元）"))
    fine = MoneyField(_l("拟处罚款（元）"))
    fraud = BooleanField(_l("以骗取医保基金为目的"))
    self_corrected = BooleanField(_l("按期自查自纠并足额退回"))
