"""Two people deciding the same thing at once (or one person's double click): on
PostgreSQL the second waits for the row, on SQLite for the write lock every transaction
takes as it begins; then it sees the thing decided and is refused. The first decision
stands, with one audit row."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from portal.models.audit import AuditLog
from portal.models.enums import PointSource, Responsibility, Role, Severity
from tests.credit_helpers import TODAY, finding_data, inspection
from tests.races import second_meanwhile


@pytest.fixture
def world(fresh_database_url, tmp_path):
    """An app on a database of its own (each app context a session and a connection of
    its own) with, committed: a pending adjustment, a pending objection to points, a
    pending objection to a grade, a draft finding; and the people to decide them."""
    from flask_migrate import upgrade

    from portal.extensions import db as _db
    from portal.models.credit import CreditAppeal
    from portal.operations.credit_workflow import propose_adjustment
    from portal.operations.findings import add_finding
    from portal.operations.point_appeals import file_appeal
    from portal.operations.points import record_points
    from portal.operations.registry import create_facility, create_staff
    from portal.operations.users import create_user
    from tests.conftest import TEST_PASSWORD, make_app
    from tests.factories import facility_data, staff_data

    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        upgrade()

        def user(role, name):
            return create_user(
                None, username=name, display_name=name, role=role, password=TEST_PASSWORD
            )

        facility = create_facility(None, facility_data(1))
        staff = create_staff(None, staff_data(1, [facility]), TODAY)
        people = {
            "one": user(Role.APPROVER, "one"),
            "two": user(Role.APPROVER, "two"),
            "insp": user(Role.INSPECTOR, "insp"),
            "insp2": user(Role.INSPECTOR, "insp2"),
        }
        record = record_points(
            people["insp"], staff, facility=facility, violation="串换药品",
            severity=Severity.MINOR, responsibility=Responsibility.MAIN, decided_on=TODAY,
            source=PointSource.FINDING, reference="通医保记〔2026〕1号", today=TODAY,
        )  # fmt: skip
        credit_appeal = CreditAppeal(facility=facility, reason="对评价结果有异议", filed_on=TODAY)
        _db.session.add(credit_appeal)
        objects = {
            "adjustment": propose_adjustment(
                user(Role.CREDIT_OFFICER, "officer"),
                facility,
                points="-2",
                reason="约谈未整改",
                evidence="约谈记录（档案室）",
            ),  # fmt: skip
            "point_appeal": file_appeal(None, record, reason="非本人行为", filed_on=TODAY),
            "credit_appeal": credit_appeal,
            "finding": add_finding(
                people["insp"],
                inspection(people["insp"], facility, [people["insp"], people["insp2"]]),
                finding_data(),
                TODAY,
            ),
        }
        _db.session.commit()
        ids = {name: obj.id for name, obj in (objects | people).items()}
    try:
        yield app, ids
    finally:
        with app.app_context():
            _db.engine.dispose()


@dataclass(frozen=True)
class Case:
    """Deciding ``obj`` as ``first`` then, at once, as ``second`` (``decide(obj, user,
    first)``); the second is refused with ``refused``; ``actions`` name the decision's
    audit rows."""

    obj: str
    first: str
    second: str
    refused: str
    actions: tuple[str, ...]

    def decide(self, ids: dict, who: str, first: bool) -> None:
        from portal.extensions import db as _db
        from portal.models.credit import CreditAdjustment, CreditAppeal
        from portal.models.inspections import Finding
        from portal.models.points import PointAppeal
        from portal.models.user import User
        from portal.operations.credit_appeals import decide_credit_appeal
        from portal.operations.credit_workflow import decide_adjustment
        from portal.operations.findings import confirm_finding
        from portal.operations.point_appeals import decide_appeal

        user = _db.session.get(User, ids[who])
        if self.obj == "adjustment":
            adjustment = _db.session.get(CreditAdjustment, ids["adjustment"])
            decide_adjustment(user, adjustment, approve=first, note="意见", today=TODAY)
        elif self.obj == "point_appeal":
            appeal = _db.session.get(PointAppeal, ids["point_appeal"])
            decide_appeal(user, appeal, upheld=first, reason="理由", today=TODAY)
        elif self.obj == "credit_appeal":
            appeal = _db.session.get(CreditAppeal, ids["credit_appeal"])
            decide_credit_appeal(user, appeal, upheld=not first, reason="理由", today=TODAY)
        else:
            confirm_finding(user, _db.session.get(Finding, ids["finding"]), TODAY)


CASES = [
    Case("adjustment", "one", "two", "该调整已处理",
         ("credit.adjust_approve", "credit.adjust_reject")),
    Case("point_appeal", "one", "two", "该异议已处理", ("points.appeal_decide",)),
    Case("credit_appeal", "one", "two", "该异议已处理", ("credit.appeal_decide",)),
    Case("finding", "insp", "insp", "只有草稿可以认定", ("finding.confirm",)),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.obj for c in CASES])
def test_the_second_of_two_decisions_at_once_is_refused(world, case):
    from portal.extensions import db as _db

    app, ids = world
    with app.app_context():
        case.decide(ids, case.first, first=True)  # not yet committed
        outcome = second_meanwhile(
            app,
            lambda: case.decide(ids, case.second, first=False),
            ValueError,  # the operations' errors
            "the second decision",
        )
        assert case.refused in outcome["refused"]
        decisions = sa.select(sa.func.count()).where(AuditLog.action.in_(case.actions))
        assert _db.session.scalar(decisions) == 1
