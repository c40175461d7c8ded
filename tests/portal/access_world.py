"""The objects the access matrix addresses (one of everything a route can take) and their URLs."""

from __future__ import annotations

from dataclasses import dataclass

from portal.models.enums import Role
from portal.operations.users import create_api_token


def rules(app):
    """The app's URL rules by endpoint (static files left out)."""
    return {rule.endpoint: rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}


@dataclass
class World:
    facility: object
    other_facility: object
    staff: object
    target_user: object
    token_row_id: int
    token: str
    admin_token: str
    record: object
    appeal: object
    task: object
    #: Pledges: a campaign in which ``facility``'s pledge is uploaded and verified, and a
    #: posting check with a photo.
    campaign: object = None
    pledge: object = None
    check: object = None
    #: Credit: an open inspection with a draft finding; a pending adjustment, objection and
    #: repair application (tests/credit_helpers.py).
    inspection: object = None
    finding: object = None
    adjustment: object = None
    credit_appeal: object = None
    repair: object = None
    #: An evidence file attached to ``credit_appeal``.
    attachment: object = None


def points_record(staff, facility):
    """A minor points record for ``staff`` at ``facility``, decided today."""
    from portal.models.enums import PointSource, Responsibility, Severity
    from portal.operations.points import record_points
    from portal.web import china_today

    return record_points(
        None,
        staff,
        facility=facility,
        violation="串换药品项目",
        severity=Severity.MINOR,
        responsibility=Responsibility.GENERAL,
        decided_on=china_today(),
        source=PointSource.MANUAL,
        reference="通医保处〔2026〕1号",
        today=china_today(),
    )


def build_world(db, make_facility, make_staff, make_user) -> World:
    """One of every object a route can take; those with an owner belong to ``World.facility``."""
    from portal.models.points import PointAppeal, WarningTalkTask
    from portal.models.user import ApiToken
    from portal.web import china_today

    facility = make_facility(name="本院测试医院")
    other = make_facility(name="他院测试医院")
    staff = make_staff([facility], name="赵本院")
    target = make_user(Role.TIPOFF_HANDLER, "target_user")
    token = create_api_token(None, target)
    token_row = db.session.scalar(
        db.select(ApiToken).where(ApiToken.token_hash == ApiToken.hash_token(token))
    )
    admin_token = create_api_token(None, make_user(Role.ADMIN, "token_admin"))
    record = points_record(staff, facility)
    appeal = PointAppeal(record=record, filed_on=china_today(), reason="对事实有异议")
    task = WarningTalkTask(staff=staff, facility=facility, record=record)
    db.session.add_all([appeal, task])
    db.session.commit()
    return World(
        facility,
        other,
        staff,
        target,
        token_row.id,
        token,
        admin_token,
        record,
        appeal,
        task,
        **_pledge_world(db, facility),
        **_credit_world(db, facility),
    )


def _credit_world(db, facility) -> dict:
    from tests.credit_helpers import credit_world

    return credit_world(db, facility)


def _pledge_world(db, facility) -> dict:
    from tests.pledges import samples
    from tests.portal import pledge_helpers

    campaign = pledge_helpers.make_campaign()
    pledge = pledge_helpers.pledge_of(db, campaign, facility)
    pledge_helpers.upload(None, pledge)
    pledge_helpers.verify(None, pledge)
    check = pledge_helpers.posting_check(
        None, facility, campaign, photo=samples.image("PNG", size=(320, 400))
    )
    db.session.commit()
    return {"campaign": campaign, "pledge": pledge, "check": check}


def route_url(app, endpoint: str, world: World, missing: bool = False) -> str:
    """The URL of ``endpoint`` for the objects of ``world``, or for objects that do not exist."""
    rule = rules(app)[endpoint]
    values = {
        "facility_id": world.facility.id,
        "staff_id": world.staff.id,
        "user_id": world.target_user.id,
        "token_id": world.token_row_id,
        "site_code": world.facility.site_code,
        "staff_code": world.staff.staff_code,
        "record_id": world.record.id,
        "appeal_id": world.appeal.id,
        "task_id": world.task.id,
        "campaign_id": world.campaign.id,
        "template_id": world.pledge.template_version_id,
        "pledge_id": world.pledge.id,
        "check_id": world.check.id,
        "inspection_id": world.inspection.id,
        "finding_id": world.finding.id,
        "adjustment_id": world.adjustment.id,
        "credit_appeal_id": world.credit_appeal.id,
        "repair_id": world.repair.id,
        "attachment_id": world.attachment.id,
    }
    if missing:
        values = {
            "facility_id": 987_654_321,
            "staff_id": 987_654_321,
            "user_id": 987_654_321,
            "token_id": 987_654_321,
            "site_code": "H99999999999",
            "staff_code": "X999999999",
            "record_id": 987_654_321,
            "appeal_id": 987_654_321,
            "task_id": 987_654_321,
            "campaign_id": 987_654_321,
            "template_id": 987_654_321,
            "pledge_id": 987_654_321,
            "check_id": 987_654_321,
            "inspection_id": 987_654_321,
            "finding_id": 987_654_321,
            "adjustment_id": 987_654_321,
            "credit_appeal_id": 987_654_321,
            "repair_id": 987_654_321,
            "attachment_id": 987_654_321,
        }
    args = {name: values[name] for name in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **args)
