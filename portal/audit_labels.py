"""Chinese labels for the audit trail: action codes and object types (the summaries' fields
and values are labelled in ``portal.audit_fields``).

Display only. The audit log stores codes (``credit.adjust_approve``, ``credit_adjustment``,
``amount_involved_fen``) and raw values; its rows are hash-chained and never rewritten.
These tables name them for a bureau auditor (``portal.audit_display`` shows the rows
with them). ``tests/portal/test_audit_labels.py`` fails when code records an action or
object type without a label here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


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
            "staff.search_id": _l("按完整身份证号查询人员"),
            "staff.id_taken": _l("登记或修改人员时填写了他人已登记的身份证号"),
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
            "credit.recompute_all": _l("批量重算全部机构信用等级"),
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
            "user.login": _l("登录"),
            "user.logout": _l("退出登录"),
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
    "credit_batch": _l("信用等级批量重算（按计算日期）"),
}

#: Fixed notes some operations store in English.
NOTE_LABELS: dict[str, object] = {
    "password changed": _l("已修改密码"),
    "too many failed log-ins": _l("登录失败次数过多"),
}

#: How the actor of system and command-line actions is stored.
SYSTEM_ACTOR = "system"
