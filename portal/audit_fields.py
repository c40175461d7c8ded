"""Chinese labels for the fields of audit summaries: field names (per object type where a
field means something more specific), the order a type's fields are shown in, fields that
name other records, and enum-valued and coded fields.

Display only, like ``portal.audit_labels`` (actions and object types);
``tests/portal/test_audit_labels.py`` fails when code records a summary field without a
label here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.models.credit import AdjustmentStatus, CreditAppealStatus, RepairStatus
from portal.models.enums import (
    AppealStatus,
    FacilityKind,
    FacilityStatus,
    HospitalLevel,
    LabelledEnum,
    Ownership,
    PointSource,
    Profession,
    Responsibility,
    RestorationKind,
    Role,
    Severity,
)
from portal.models.inspections import (
    FindingStatus,
    InspectionKind,
    InspectionStatus,
    InspectionTrigger,
)
from portal.models.pledges import PledgeStatus, PledgeTemplateKind

#: Dicts nested in a summary, and the kind of thing each describes (for field labels).
NESTED_TYPES: dict[str, str] = {
    "upload": "pledge_upload",
    "attachments": "credit_attachment",
}

#: Labels of the fields in before/after summaries.
FIELD_LABELS: dict[str, object] = {
    # Facilities
    "credit_code": _l("统一社会信用代码"),
    "site_code": _l("医保定点编码"),
    "name": _l("名称"),
    "kind": _l("类型"),
    "level": _l("医院等级"),
    "ownership": _l("所有制"),
    "county": _l("县（市、区）"),
    "address": _l("地址"),
    "legal_representative": _l("法定代表人"),
    "agreement_start": _l("定点协议开始日期"),
    "status": _l("状态"),
    "contact_name": _l("联系人"),
    "contact_phone": _l("联系电话"),
    "blacklisted": _l("列入医保黑名单"),
    "email": _l("通知邮箱"),
    # People and accounts
    "staff_code": _l("人员编码"),
    "id_number": _l("身份证号"),
    "profession": _l("职业类别"),
    "facilities": _l("执业机构"),
    "username": _l("用户名"),
    "display_name": _l("姓名"),
    "role": _l("角色"),
    "facility": _l("定点机构"),
    "active": _l("启用"),
    "user": _l("账号"),
    "prefix": _l("令牌前缀"),
    # A search by a full ID number: how many people it showed (never the number).
    "matches": _l("查得人数"),
    # Inspections and findings
    "reference": _l("文号"),
    "trigger": _l("检查来由"),
    "on_site": _l("现场检查"),
    "start_date": _l("开始日期"),
    "end_date": _l("结束日期"),
    "inspectors": _l("检查人员"),
    "notes": _l("备注"),
    "inspection": _l("检查记录编号"),
    # Recorded though like these (same facility, kind and start date): confirmed another.
    "confirmed_distinct_from": _l("经确认并非重复登记（同日同类检查记录编号）"),
    "category": _l("违规类别"),
    "amount_involved_fen": _l("涉及金额"),
    "amount_refunded_fen": _l("已退回金额"),
    "amount_recovered_fen": _l("已追回金额"),
    "legal_article": _l("适用条款"),
    "fine_fen": _l("罚款金额"),
    "decision_number": _l("决定书文号"),
    "decision_date": _l("决定日期"),
    "self_corrected": _l("按期自查自纠并足额退回"),
    "results": _l("处理结果"),
    "staff": _l("涉及人员"),
    "on_time": _l("按期报送"),
    # Points
    "severity": _l("情节"),
    "responsibility": _l("责任"),
    "points": _l("分值"),
    "decided_on": _l("决定日期"),
    "source": _l("线索来源"),
    "revoked": _l("已撤销"),
    "granted_on": _l("修复日期"),
    "standing": _l("医保支付资格"),
    "total": _l("本周期累计记分"),
    "record": _l("记分记录编号"),
    "evidence": _l("证明材料"),
    "reason": _l("理由"),
    # Credit
    "grade": _l("信用等级"),
    "score": _l("信用得分"),
    "as_of": _l("计算日期"),
    "changed": _l("等级变化的机构数"),
    ("credit_batch", "facilities"): _l("机构数"),
    "facility_grade": _l("机构当时的信用等级"),
    "facility_score": _l("机构当时的信用得分"),
    "finding": _l("违规认定编号"),
    "filed_on": _l("提出日期"),
    "deadline": _l("截止日期"),
    "pledge_signed_on": _l("新信用承诺书签署日期"),
    "pledge_basis": _l("承诺书条件依据"),
    "attachments": _l("附件"),
    "id": _l("编号"),
    "sha256": _l("文件指纹（SHA-256）"),
    "media_type": _l("文件类型"),
    "size": _l("文件大小"),
    # Pledges
    "year": _l("年度"),
    "title": _l("活动名称"),
    # Entries written before the versions were named by label held the row ids.
    "institution_template_id": _l("定点医疗机构模板版本（内部编号）"),
    "pharmacy_template_id": _l("定点零售药店模板版本（内部编号）"),
    "institution_template": _l("定点医疗机构模板版本"),
    "pharmacy_template": _l("定点零售药店模板版本"),
    "target_counties": _l("覆盖县（市、区）"),
    "target_kinds": _l("覆盖机构类别"),
    "pledges": _l("承诺书份数"),
    "added": _l("新增承诺书份数"),
    "reminders": _l("提醒条数"),
    "campaign_id": _l("承诺书活动编号"),
    "document_number": _l("承诺书编号"),
    "upload_count": _l("上传次数"),
    "rejection_reason": _l("退回理由"),
    "verified_upload_version": _l("已核验上传版本"),
    "upload": _l("上传文件"),
    "version": _l("版本"),
    "pages": _l("页数"),
    "late": _l("逾期上传"),
    "inspection_id": _l("关联检查记录编号"),
    "posted": _l("已张贴"),
    "checked_on": _l("检查日期"),
    "photo_sha256": _l("现场照片指纹（SHA-256）"),
    # Imports and demo data
    "created": _l("新增条数"),
    "updated": _l("更新条数"),
    "unchanged": _l("无变化条数"),
    "practices": _l("执业登记数"),
    "accounts": _l("账号数"),
    "point_records": _l("记分记录数"),
    "findings": _l("违规认定数"),
}

#: The order a type's fields are shown in, as its form has them (the inspection form:
#: facility, kind, trigger, dates, reference, on site, inspectors, notes). Types not named
#: here, and fields a type's order leaves out, keep the order the row stores them in, which
#: for a change is alphabetical.
FIELD_ORDER: dict[str, tuple[str, ...]] = {
    "inspection": (
        "facility",
        "kind",
        "trigger",
        "start_date",
        "end_date",
        "reference",
        "on_site",
        "inspectors",
        "notes",
        "status",
    ),
}

#: Summary fields that hold other records' keys, and what those records are: shown with
#: the record's name before the key (a facility's site code, an account's username), the
#: key alone where no record has it now. Every ``facility`` a summary stores is a site code.
REFERENCE_FIELDS: dict[str, str] = {
    "facility": "facility",
    "inspectors": "user",
}

#: Where a field means something more specific for one kind of object.
FIELD_LABELS_BY_TYPE: dict[tuple[str, str], object] = {
    ("facility", "name"): _l("机构名称"),
    ("facility", "kind"): _l("机构类别"),
    ("facility", "status"): _l("协议状态"),
    ("staff", "name"): _l("姓名"),
    ("inspection", "kind"): _l("检查类型"),
    ("inspection", "reference"): _l("检查通知书编号"),
    ("inspection", "facility"): _l("被检查机构"),
    ("point_record", "reference"): _l("决定书文号"),
    ("point_record", "points"): _l("记分分值"),
    ("point_record", "facility"): _l("违规发生机构"),
    ("point_restoration", "kind"): _l("修复方式"),
    ("point_restoration", "points"): _l("修复分值"),
    ("credit_adjustment", "points"): _l("调整分值"),
    ("credit_adjustment", "grade"): _l("目标等级"),
    ("pledge_template_version", "kind"): _l("适用对象"),
    ("pledge_campaign", "version"): _l("版本"),
    ("self_inspection_report", "amount_refunded_fen"): _l("主动退回医保基金"),
    ("credit_attachment", "name"): _l("文件名"),
    ("credit_attachment", "id"): _l("附件编号"),
    ("pledge_upload", "version"): _l("上传版本"),
    ("demo", "facilities"): _l("定点机构数"),
    ("demo", "staff"): _l("医保相关人员数"),
}

#: Enum-valued fields, per object type: the value is shown as the enum member's label.
ENUM_FIELDS: dict[tuple[str, str], type[LabelledEnum]] = {
    ("facility", "kind"): FacilityKind,
    ("facility", "level"): HospitalLevel,
    ("facility", "ownership"): Ownership,
    ("facility", "status"): FacilityStatus,
    ("staff", "profession"): Profession,
    ("user", "role"): Role,
    ("inspection", "kind"): InspectionKind,
    ("inspection", "trigger"): InspectionTrigger,
    ("inspection", "status"): InspectionStatus,
    ("finding", "status"): FindingStatus,
    ("point_record", "severity"): Severity,
    ("point_record", "responsibility"): Responsibility,
    ("point_record", "source"): PointSource,
    ("point_restoration", "kind"): RestorationKind,
    ("point_appeal", "status"): AppealStatus,
    ("credit_adjustment", "status"): AdjustmentStatus,
    ("credit_appeal", "status"): CreditAppealStatus,
    ("credit_repair", "status"): RepairStatus,
    ("pledge", "status"): PledgeStatus,
    ("pledge_campaign", "target_kinds"): FacilityKind,
    ("pledge_template_version", "kind"): PledgeTemplateKind,
}

#: Coded values of a field shown by name, by field (enum fields are in ENUM_FIELDS).
VALUE_LABELS: dict[str, dict[str, object]] = {
    # A person's payment qualification (``scoring.staff_points.Status``).
    "standing": {
        "normal": _l("正常"),
        "suspended": _l("暂停"),
        "terminated": _l("终止"),
    },
    # What a granted credit repair's new-pledge condition rested on.
    "pledge_basis": {
        "verified_scan": _l("系统中经核验的承诺书扫描件"),
        "original_checked": _l("决定人核对了承诺书原件"),
    },
}
