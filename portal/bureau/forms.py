from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import Length, Optional

from portal.form_fields import (
    REQUIRED,
    VALID_DATE,
    DateField,
    Form,
    Required,
    one_line,
    stripped,
)
from portal.models.enums import (
    FacilityKind,
    FacilityStatus,
    HospitalLevel,
    Ownership,
    Profession,
    Role,
)
from portal.operations.users import PASSWORD_RULES
from portal.rules import regions


class FacilityForm(Form):
    name = StringField(_l("机构名称"), validators=[REQUIRED, Length(max=200)])
    credit_code = StringField(
        _l("统一社会信用代码"), filters=[stripped], validators=[REQUIRED, Length(max=18)]
    )
    site_code = StringField(
        _l("医保定点编码"), filters=[stripped], validators=[REQUIRED, Length(max=12)]
    )
    kind = SelectField(_l("机构类别"), choices=FacilityKind.choices, validators=[REQUIRED])
    level = SelectField(_l("医院等级"), choices=HospitalLevel.choices, validators=[REQUIRED])
    ownership = SelectField(_l("所有制"), choices=Ownership.choices, validators=[REQUIRED])
    #: Choices from the regions file (``set_county_choices``); a value off the list is
    #: refused with the registry's own message (``county_problem``), not WTForms'.
    county = SelectField(_l("县（市、区）"), validators=[REQUIRED], validate_choice=False)
    address = StringField(_l("地址"), validators=[REQUIRED, Length(max=300)])
    legal_representative = StringField(
        _l("法定代表人或主要负责人"), validators=[REQUIRED, Length(max=60)]
    )
    agreement_start = DateField(_l("定点协议开始日期"), validators=[VALID_DATE])
    status = SelectField(_l("状态"), choices=FacilityStatus.choices, validators=[REQUIRED])
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=60)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=30)])
    #: The facility as the edit page showed it (``portal.views_common.snapshot``).
    seen = HiddenField(_l("打开页面时的机构信息"))

    def set_county_choices(self, stored: str | None = None) -> None:
        """The counties of the regions file, and ``stored`` (the facility's own) if the
        list does not name it."""
        names = list(regions().counties)
        if stored and stored not in names:
            names.append(stored)
        self.county.choices = [("", _l("请选择"))] + [(n, n) for n in names]

    def typed_data(self) -> dict:
        return {
            "name": self.name.data,
            "credit_code": self.credit_code.data,
            "site_code": self.site_code.data,
            "kind": FacilityKind(self.kind.data),
            "level": HospitalLevel(self.level.data),
            "ownership": Ownership(self.ownership.data),
            "county": self.county.data,
            "address": self.address.data,
            "legal_representative": self.legal_representative.data,
            "agreement_start": self.agreement_start.data,
            "status": FacilityStatus(self.status.data),
            "contact_name": self.contact_name.data or "",
            "contact_phone": self.contact_phone.data or "",
        }


class StaffForm(Form):
    name = StringField(_l("姓名"), validators=[REQUIRED, Length(max=60)])
    staff_code = StringField(
        _l("人员编码"), filters=[stripped], validators=[REQUIRED, Length(max=24)]
    )
    id_number = StringField(
        _l("身份证号"), filters=[stripped], validators=[Optional(), Length(max=18)]
    )
    profession = SelectField(_l("职业类别"), choices=Profession.choices, validators=[REQUIRED])
    site_codes = StringField(
        _l("执业机构医保定点编码"),
        description=_l("多个编码用空格、逗号或分号分隔，第一个为第一执业地点"),
        filters=[one_line],
        validators=[REQUIRED, Length(max=400)],
    )
    #: The person as the edit page showed them (``portal.views_common.snapshot``).
    seen = HiddenField(_l("打开页面时的人员信息"))


class RevealForm(Form):
    reason = StringField(
        _l("查看事由"), validators=[Required(_l("请填写查看事由")), Length(max=200)]
    )


class ImportForm(Form):
    file = FileField(_l("导入文件（CSV 或 XLSX）"), validators=[FileRequired(_l("请选择文件"))])
    dry_run = BooleanField(_l("仅校验，不导入"))


class UserCreateForm(Form):
    username = StringField(_l("用户名"), validators=[REQUIRED, Length(max=64)])
    display_name = StringField(_l("姓名"), validators=[REQUIRED, Length(max=60)])
    role = SelectField(_l("角色"), choices=Role.choices, validators=[REQUIRED])
    site_code = StringField(
        _l("所属定点机构编码"),
        description=_l("仅定点机构用户填写"),
        filters=[stripped],
        validators=[Optional(), Length(max=12)],
    )
    password = PasswordField(
        _l("初始密码"), description=PASSWORD_RULES, validators=[REQUIRED, Length(max=200)]
    )


class UserEditForm(Form):
    display_name = StringField(_l("姓名"), validators=[REQUIRED, Length(max=60)])
    role = SelectField(_l("角色"), choices=Role.choices, validators=[REQUIRED])
    site_code = StringField(
        _l("所属定点机构编码"),
        description=_l("仅定点机构用户填写"),
        filters=[stripped],
        validators=[Optional(), Length(max=12)],
    )
    active = BooleanField(_l("启用"))
    #: The account as the edit page showed it (``portal.views_common.snapshot``).
    seen = HiddenField(_l("打开页面时的账号信息"))


class ResetPasswordForm(Form):
    password = PasswordField(
        _l("新密码"), description=PASSWORD_RULES, validators=[REQUIRED, Length(max=200)]
    )
