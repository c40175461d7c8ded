"""Forms for manual adjustments, objections and credit repair decisions.

Fixed choices are given as callables: WTForms 3.3 deprecates tuples passed at construction.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from portal.form_fields import REQUIRED, Form


class AdjustmentForm(Form):
    mode = RadioField(
        _l("调整方式"),
        choices=lambda: [("points", _l("加减分值")), ("grade", _l("直接确定等级"))],
        default="points",
        validators=[REQUIRED],
    )
    points = StringField(
        _l("调整分值"),
        description=_l("正数加分，负数减分，最多一位小数"),
        validators=[Optional(), Length(max=8)],
    )
    grade = SelectField(_l("目标等级"), validators=[Optional()])
    reason = TextAreaField(_l("调整理由"), validators=[REQUIRED, Length(max=4000)])
    evidence = TextAreaField(
        _l("证明材料"),
        description=_l("文书编号、材料名称及存放位置"),
        validators=[Optional(), Length(max=4000)],
    )
    attachments = MultipleFileField(
        _l("证明材料文件"),
        description=_l("最多 5 个 PDF、JPEG 或 PNG 文件，按文件内容校验；纸质材料可在上栏写明"),
    )


class AdjustmentDecisionForm(Form):
    outcome = RadioField(
        _l("审批结果"),
        choices=lambda: [("approve", _l("批准，调整生效")), ("reject", _l("驳回"))],
        validators=[REQUIRED],
    )
    note = TextAreaField(_l("审批意见"), validators=[REQUIRED, Length(max=2000)])
    #: Shown when the facility's grade changed after the proposal (see the view).
    changes_seen = BooleanField(_l("我已核对提出后等级的变化，该调整仍然适当"))


class CreditAppealDecisionForm(Form):
    outcome = RadioField(
        _l("处理结果"),
        choices=lambda: [("upheld", _l("异议成立")), ("rejected", _l("异议不成立，维持原结论"))],
        validators=[REQUIRED],
    )
    reason = TextAreaField(_l("处理理由（将告知机构）"), validators=[REQUIRED, Length(max=4000)])


class RepairDecisionForm(Form):
    outcome = RadioField(
        _l("决定"),
        choices=lambda: [("grant", _l("准予信用修复")), ("reject", _l("不予修复"))],
        validators=[REQUIRED],
    )
    reason = TextAreaField(_l("决定理由（将告知机构）"), validators=[REQUIRED, Length(max=4000)])
    original_checked = BooleanField(_l("已核对机构新签署的信用承诺书原件"))
