from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.form_fields import REQUIRED, VALID_DATE, CheckboxesField, DateField, Form
from portal.models.enums import FacilityKind


class CampaignForm(Form):
    year = IntegerField(
        _l("年度"), validators=[DataRequired(_l("请填写年度")), NumberRange(2000, 2100)]
    )
    title = StringField(_l("活动名称"), validators=[REQUIRED, Length(max=120)])
    deadline = DateField(
        _l("报送截止日期"),
        description=_l("机构须在此日期前上传签字盖章的扫描件，并将原件报送县区医保部门备案"),
        validators=[VALID_DATE],
    )
    institution_template = SelectField(
        _l("定点医疗机构模板版本"), coerce=int, validators=[REQUIRED]
    )
    pharmacy_template = SelectField(_l("定点零售药店模板版本"), coerce=int, validators=[REQUIRED])
    counties = CheckboxesField(
        _l("县（市、区）"), description=_l("不选表示全部县区"), validators=[Optional()]
    )
    kinds = CheckboxesField(
        _l("机构类别"),
        choices=FacilityKind.choices,
        description=_l("不选表示全部类别；只包括状态正常的定点机构"),
        validators=[Optional()],
    )
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])


class TemplateForm(Form):
    #: The newest version of the kind when the form was opened: one issued meanwhile by
    #: someone else is not overwritten unseen.
    latest = HiddenField(_l("打开页面时的最新版本"))
    label = StringField(_l("适用对象"), validators=[REQUIRED, Length(max=40)])
    title = StringField(_l("标题"), validators=[REQUIRED, Length(max=60)])
    opening = TextAreaField(_l("开头语"), validators=[REQUIRED, Length(max=500)])
    items = TextAreaField(
        _l("承诺事项"),
        description=_l("每行一条，不写序号（系统自动编号为一、二、三……）"),
        validators=[REQUIRED, Length(max=20000)],
    )
    closing = TextAreaField(_l("结束语"), validators=[REQUIRED, Length(max=1000)])
    signature = TextAreaField(
        _l("签章栏"),
        description=_l(
            "每行一项，如“承诺单位（盖章）”；第一项后印机构名称，以“日期”开头的项印年份"
        ),
        validators=[REQUIRED, Length(max=400)],
    )
    note = StringField(
        _l("签发说明"),
        description=_l("如发文文号或修订原因，将随版本永久保存"),
        validators=[REQUIRED, Length(max=2000)],
    )


# Choices are callables: WTForms deprecates literal lists of tuples.
def _review_choices() -> list[tuple[str, str]]:
    return [("verify", _l("核验通过")), ("reject", _l("退回重新签署"))]


def _posted_choices() -> list[tuple[str, str]]:
    return [("yes", _l("已按规定张贴公示")), ("no", _l("未张贴或张贴不规范"))]


class ReviewForm(Form):
    #: The scan version the page showed: the decision is about that one.
    version = HiddenField(_l("审核的扫描件版本"))
    outcome = RadioField(_l("审核结果"), choices=_review_choices, validators=[REQUIRED])
    reason = TextAreaField(
        _l("理由"),
        description=_l("退回时必填，机构将看到该理由"),
        validators=[Optional(), Length(max=2000)],
    )


class RemindForm(Form):
    message = TextAreaField(
        _l("提醒内容"),
        description=_l("留空则使用默认提醒内容"),
        validators=[Optional(), Length(max=2000)],
    )


class ButtonForm(Form):
    """A POST with nothing but the CSRF token."""


class PostingCheckForm(Form):
    campaign_id = SelectField(_l("承诺书活动"), coerce=int, validators=[REQUIRED])
    posted = RadioField(_l("检查结果"), choices=_posted_choices, validators=[REQUIRED])
    checked_on = DateField(_l("检查日期"), validators=[VALID_DATE])
    inspection_id = SelectField(_l("关联检查记录"), coerce=int, validators=[Optional()])
    photo = FileField(_l("现场照片（可选）"), description=_l("JPEG 或 PNG，按文件内容校验"))
    note = TextAreaField(_l("情况说明"), validators=[Optional(), Length(max=2000)])
