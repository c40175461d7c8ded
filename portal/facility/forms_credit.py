"""Facility-area forms: objections, credit repair and self-inspection reports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length

from portal.bureau.forms_inspections import MoneyField
from portal.form_fields import REQUIRED, VALID_DATE, DateField, Form


class CreditAppealForm(Form):
    #: "grade" for the grade itself, else a finding id.
    subject = SelectField(_l("异议事项"), validators=[REQUIRED])
    reason = TextAreaField(_l("异议理由及依据"), validators=[REQUIRED, Length(max=4000)])
    attachments = MultipleFileField(
        _l("证明材料文件"),
        description=_l("可选，最多 5 个 PDF、JPEG 或 PNG 文件，按文件内容校验"),
    )


class RepairForm(Form):
    statement = TextAreaField(
        _l("整改情况说明"),
        description=_l("写明违规问题的整改措施、完成情况及退回资金情况"),
        validators=[REQUIRED, Length(max=8000)],
    )
    pledge_signed_on = DateField(_l("新信用承诺书签署日期"), validators=[VALID_DATE])


class SelfInspectionForm(Form):
    period_start = DateField(_l("自查期间自"), validators=[VALID_DATE])
    period_end = DateField(_l("自查期间至"), validators=[VALID_DATE])
    problems = TextAreaField(
        _l("自查发现的问题及整改情况"), validators=[REQUIRED, Length(max=8000)]
    )
    amount_refunded = MoneyField(_l("主动退回医保基金（元）"))
