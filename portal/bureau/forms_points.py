from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from portal import text_limits
from portal.form_fields import REQUIRED, VALID_DATE, DateField, Form
from portal.models.enums import PointSource, Responsibility, RestorationKind, Severity


class PointRecordForm(Form):
    facility_id = SelectField(_l("违规发生机构"), coerce=int, validators=[REQUIRED])
    violation = TextAreaField(
        _l("违规行为"), validators=[REQUIRED, Length(max=text_limits.POINTS_VIOLATION)]
    )
    severity = SelectField(_l("情节"), choices=Severity.choices, validators=[REQUIRED])
    responsibility = SelectField(
        _l("责任程度"), choices=Responsibility.choices, validators=[REQUIRED]
    )
    decided_on = DateField(_l("决定日期"), validators=[VALID_DATE])
    source = SelectField(_l("线索来源"), choices=PointSource.choices, validators=[REQUIRED])
    reference = StringField(_l("决定书文号"), validators=[REQUIRED, Length(max=80)])


class RestorationForm(Form):
    kind = SelectField(_l("修复方式"), choices=RestorationKind.choices, validators=[REQUIRED])
    granted_on = DateField(_l("日期"), validators=[VALID_DATE])
    evidence = StringField(_l("证明材料"), validators=[REQUIRED, Length(max=500)])


class AppealForm(Form):
    filed_on = DateField(_l("提出日期"), validators=[VALID_DATE])
    reason = TextAreaField(_l("异议理由"), validators=[REQUIRED, Length(max=2000)])


class FacilityAppealForm(Form):
    reason = TextAreaField(_l("异议理由"), validators=[REQUIRED, Length(max=2000)])


def _decision_choices() -> list[tuple[str, str]]:
    # A callable, like the enums' ``choices``: WTForms deprecates literal tuple lists and
    # warns each time the form is built.
    return [("upheld", _l("异议成立，撤销记分")), ("rejected", _l("异议不成立，维持记分"))]


class DecisionForm(Form):
    outcome = RadioField(_l("处理结果"), choices=_decision_choices, validators=[REQUIRED])
    reason = TextAreaField(_l("处理理由"), validators=[REQUIRED, Length(max=2000)])


class RevokeForm(Form):
    reason = TextAreaField(_l("撤销理由"), validators=[REQUIRED, Length(max=2000)])


class TaskDoneForm(Form):
    note = TextAreaField(_l("约谈情况"), validators=[REQUIRED, Length(max=2000)])
