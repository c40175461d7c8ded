"""Chinese labels for the audit trail: action codes, object types, summary fields, values.

Display only. The audit log stores codes (``credit.adjust_approve``, ``credit_adjustment``,
``amount_involved_fen``) and raw values; its rows are hash-chained and never rewritten.
These tables name them for a bureau auditor (``portal.audit_display`` shows the rows
with them). ``tests/portal/test_audit_labels.py`` fails when code records an action,
object type or summary field without a label here.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class ActionGroup:
    """Actions whose codes start with ``prefix``, shown together in the filter."""

    prefix: str
    label: object
    actions: dict[str, object]


#: Every action code the portal records, grouped as the filter offers them.
ACTION_GROUPS: tuple[ActionGroup, ...] = (
    ActionGroup(
        "facility.",
        _l("定点机构"),
        {
            "facility.create": _l("新增定点机构"),
            "facility.update": _l("修改定点机构信息"),
            "facility.blacklist": _l("列入医保黑名单"),
            "facility.unblacklist": _l("移出医保黑名单"),
        },
    ),
    ActionGroup(
        "staff.",
        _l("医保相关人员"),
        {
            "staff.create": _l("新增医保相关人员"),
            "staff.update": _l("修改医保相关人员信息"),
            "staff.reveal_id": _l("查看完整身份证号"),
        },
    ),
    ActionGroup(
        "inspection.",
        _l("监督检查"),
        {
            "inspection.create": _l("新建监督检查"),
            "inspection.update": _l("修改监督检查信息"),
            "inspection.close": _l("结束监督检查"),
            "inspection.cancel": _l("撤销监督检查"),
        },
    ),
    ActionGroup(
        "finding.",
        _l("违规认定"),
        {
            "finding.create": _l("新建违规发现草稿"),
            "finding.update": _l("修改违规发现草稿"),
            "finding.confirm": _l("认定违规"),
            "finding.revoke": _l("撤销违规认定"),
        },
    ),
    ActionGroup(
        "points.",
        _l("人员记分"),
        {
            "points.record": _l("人员记分"),
            "points.revoke": _l("撤销人员记分"),
            "points.restore": _l("人员记分修复"),
            "points.appeal": _l("提出记分异议"),
            "points.appeal_decide": _l("处理记分异议"),
            "points.talk_done": _l("完成警示约谈"),
        },
    ),
    ActionGroup(
        "credit.",
        _l("信用评价"),
        {
            "credit.adjust_propose": _l("提出信用人工调整"),
            "credit.adjust_approve": _l("批准信用人工调整"),
            "credit.adjust_reject": _l("驳回信用人工调整"),
            "credit.appeal_file": _l("提出信用评价异议"),
            "credit.appeal_decide": _l("处理信用评价异议"),
            "credit.appeal_deadline": _l("补定信用异议处理期限"),
            "credit.repair_apply": _l("申请信用修复"),
            "credit.repair_grant": _l("准予信用修复"),
            "credit.repair_reject": _l("不予信用修复"),
            "credit.repair_deadline": _l("补定信用修复决定期限"),
            "credit.recompute": _l("手动重算信用等级"),
        },
    ),
    ActionGroup(
        "self_inspection.",
        _l("自查自纠"),
        {"self_inspection.file": _l("报送自查自纠报告")},
    ),
    ActionGroup(
        "pledge",
        _l("信用承诺书"),
        {
            "pledge_template.issue": _l("发布承诺书模板版本"),
            "pledge_campaign.open": _l("发起承诺书签署活动"),
            "pledge_campaign.sync": _l("补充承诺书签署机构"),
            "pledge_campaign.remind": _l("发送承诺书催报提醒"),
            "pledge.download": _l("下载承诺书"),
            "pledge.upload": _l("上传承诺书"),
            "pledge.verify": _l("核验通过承诺书"),
            "pledge.reject": _l("退回承诺书"),
            "pledge.posting_check": _l("检查承诺书张贴"),
            "pledge.contact": _l("设置承诺书通知邮箱"),
        },
    ),
    ActionGroup(
        "import.",
        _l("批量导入"),
        {
            "import.facilities": _l("批量导入定点机构"),
            "import.staff": _l("批量导入医保相关人员"),
        },
    ),
    ActionGroup(
        "user.",
        _l("账号"),
        {
            "user.create": _l("新建账号"),
            "user.update": _l("修改账号"),
            "user.password": _l("设置账号密码"),
            "user.unlock": _l("解锁账号"),
            "user.locked": _l("账号因登录失败被锁定"),
        },
    ),
    ActionGroup(
        "token.",
        _l("接口令牌"),
        {
            "token.create": _l("创建接口令牌"),
            "token.revoke": _l("吊销接口令牌"),
        },
    ),
    ActionGroup("demo.", _l("演示数据"), {"demo.load": _l("载入演示数据")}),
)

ACTION_LABELS: dict[str, object] = {
    code: label for group in ACTION_GROUPS for code, label in group.actions.items()
}

#: What the ``object_type`` of a row names.
OBJECT_LABELS: dict[str, object] = {
    "facility": _l("定点机构"),
    "staff": _l("医保相关人员"),
    "user": _l("账号"),
    "api_token": _l("接口令牌"),
    "inspection": _l("监督检查"),
    "finding": _l("违规发现"),
    "point_record": _l("人员记分"),
    "point_restoration": _l("记分修复"),
    "point_appeal": _l("记分异议"),
    "warning_talk_task": _l("警示约谈任务"),
    "credit_adjustment": _l("信用人工调整"),
    "credit_appeal": _l("信用评价异议"),
    "credit_repair": _l("信用修复申请"),
    "self_inspection_report": _l("自查自纠报告"),
    "pledge": _l("信用承诺书"),
    "pledge_campaign": _l("承诺书签署活动"),
    "pledge_template_version": _l("承诺书模板版本"),
    "pledge_posting_check": _l("承诺书张贴检查"),
    "import": _l("导入文件"),
    "demo": _l("演示数据"),
}

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
    # Inspections and findings
    "reference": _l("文号"),
    "trigger": _l("检查来由"),
    "on_site": _l("现场检查"),
    "start_date": _l("开始日期"),
    "end_date": _l("结束日期"),
    "inspectors": _l("检查人员"),
    "notes": _l("备注"),
    "inspection": _l("检查记录编号"),
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
    "record": _l("记分记录编号"),
    # Credit
    "grade": _l("信用等级"),
    "score": _l("信用得分"),
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
    "institution_template_id": _l("定点医疗机构模板版本"),
    "pharmacy_template_id": _l("定点零售药店模板版本"),
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

#: Fixed notes some operations store in English.
NOTE_LABELS: dict[str, object] = {
    "password changed": _l("已修改密码"),
    "too many failed log-ins": _l("登录失败次数过多"),
}

#: How the actor of system and command-line actions is stored.
SYSTEM_ACTOR = "system"

#: Coded values of a field shown by name, by field (enum fields are in ENUM_FIELDS).
VALUE_LABELS: dict[str, dict[str, object]] = {
    # What a granted credit repair's new-pledge condition rested on.
    "pledge_basis": {
        "verified_scan": _l("系统中经核验的承诺书扫描件"),
        "original_checked": _l("决定人核对了承诺书原件"),
    },
}
