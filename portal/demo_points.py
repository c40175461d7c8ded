"""Demo staff points: a few people at demo facility accounts' sites with points, a warning
talk, a suspension and a termination, so every screen of the points feature has content.

Dates are counted back from today so the sanctions are in force whenever the demo runs.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models.enums import PointSource, Responsibility, Severity
from portal.models.facility import Facility
from portal.models.staff import StaffMember, StaffPractice
from portal.models.user import User
from portal.operations.points import record_points
from portal.web import china_today

#: (index of the person at the site, severity, responsibility, days ago, violation)
SCENARIOS = [
    (0, Severity.MINOR, Responsibility.MAIN, 60, "开具超医保支付范围药品"),
    (0, Severity.MINOR, Responsibility.MAIN, 20, "重复收取诊查费"),
    (1, Severity.GRAVEST, Responsibility.GENERAL, 10, "串换诊疗项目收费"),
    (2, Severity.MINOR, Responsibility.GENERAL, 30, "病历书写与收费不符"),
    (3, Severity.GRAVEST, Responsibility.MAIN, 5, "伪造医疗文书骗取医保基金"),
]


def load_demo_points(site_codes: list[str]) -> int:
    """Record the scenarios at the first listed sites that have enough staff; return how
    many records were written. The demo inspector is the recorder."""
    inspector = db.session.scalar(select(User).where(User.username == "inspector"))
    today = china_today()
    written = 0
    for site_code in site_codes:
        facility = db.session.scalar(select(Facility).where(Facility.site_code == site_code))
        people = db.session.scalars(
            select(StaffMember)
            .join(StaffPractice)
            .where(StaffPractice.facility_id == facility.id, StaffPractice.end_date.is_(None))
            .order_by(StaffMember.staff_code)
            .limit(4)
        ).all()
        if len(people) < 4:
            continue
        for index, severity, tier, days_ago, violation in SCENARIOS:
            decided = today - timedelta(days=days_ago)
            record_points(
                inspector,
                people[index],
                facility=facility,
                violation=violation,
                severity=severity,
                responsibility=tier,
                decided_on=decided,
                source=PointSource.FINDING,
                reference=f"通医保记〔{decided.year}〕{written + 1}号",
                today=today,
            )
            written += 1
        break
    return written
