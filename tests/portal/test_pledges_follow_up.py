"""Following up a pledge campaign: reminders and notices by email, posting checks on site."""

from __future__ import annotations

import io
import smtplib
from datetime import timedelta

import pytest

from portal.models.enums import Role
from portal.models.pledge_extras import PledgePostingCheck, PledgeReminder
from portal.operations.pledges import PledgeError
from tests.conftest import csrf_token
from tests.pledges import samples
from tests.portal import pledge_helpers as h
from tests.portal.web_helpers import post_form as _post

pytestmark = pytest.mark.usefixtures("storage_root")


# --- Reminders and email --------------------------------------------------------------------


class FakeSMTP:
    sent: list = []
    instances: list = []

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port
        self.started_tls = False
        FakeSMTP.instances.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        self.started_tls = True

    def login(self, user, password):
        self.user = user

    def send_message(self, message):
        if "fail" in message["To"]:
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such user")})
        FakeSMTP.sent.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    FakeSMTP.sent, FakeSMTP.instances = [], []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="smtp.test", MAIL_PORT=2525, MAIL_USE_TLS=True)
    yield FakeSMTP
    app.config.update(MAIL_SERVER=None, MAIL_PORT=25, MAIL_USE_TLS=False)


def test_reminders_are_shown_and_emailed(db, client, auth, make_user, make_facility, smtp):
    from portal.operations.pledge_notices import set_contact_email

    officer = make_user(Role.CREDIT_OFFICER, "rem_officer")
    a, b, c = make_facility(name="甲"), make_facility(name="乙"), make_facility(name="丙")
    set_contact_email(None, a, "a@example.cn")
    set_contact_email(None, b, "fail@example.cn")
    campaign = h.make_campaign(officer)
    h.upload(None, h.pledge_of(db, campaign, c))  # awaiting review: not reminded
    make_user(Role.FACILITY, "rem_facility", facility=a)
    db.session.commit()
    auth.login("rem_officer")
    response = _post(
        client,
        f"/bureau/pledges/campaigns/{campaign.id}/remind",
        {"message": "请尽快签署承诺书"},
        page=f"/bureau/pledges/campaigns/{campaign.id}",
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已向 2 家机构发送提醒" in page and "成功 1 封，失败 1 封" in page
    assert [m["To"] for m in smtp.sent] == ["a@example.cn"]
    assert "请尽快签署承诺书" in smtp.sent[0].get_content()
    assert smtp.instances[0].started_tls and smtp.instances[0].port == 2525
    rows = db.session.scalars(db.select(PledgeReminder).order_by(PledgeReminder.id)).all()
    assert len(rows) == 2
    assert rows[0].emailed_at is not None and rows[1].email_error
    # The same reminder sent again at once (a double click): not sent twice.
    again = _post(
        client,
        f"/bureau/pledges/campaigns/{campaign.id}/remind",
        {"message": "请尽快签署承诺书"},
        page=f"/bureau/pledges/campaigns/{campaign.id}",
    )
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "相同内容的提醒刚刚已发送（10分钟内），请勿重复发送。" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(PledgeReminder)) == 2
    assert len(smtp.sent) == 1
    # A facility added to the campaign since gets it; those just reminded do not again.
    from portal.operations.pledge_campaigns import sync_campaign

    make_facility(name="丁")
    assert sync_campaign(None, campaign) == 1
    db.session.commit()
    later = _post(
        client,
        f"/bureau/pledges/campaigns/{campaign.id}/remind",
        {"message": "请尽快签署承诺书"},
        page=f"/bureau/pledges/campaigns/{campaign.id}",
    )
    assert "已向 1 家机构发送提醒" in client.get(later.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(PledgeReminder)) == 3
    auth.logout()
    auth.login("rem_facility")
    assert "请尽快签署承诺书" in client.get("/facility/pledge").get_data(as_text=True)


def test_without_smtp_nothing_is_sent(db, make_facility, monkeypatch):
    from portal.operations.pledge_notices import deliver_reminders, send_campaign_reminders

    monkeypatch.setattr(smtplib, "SMTP", lambda *a, **k: pytest.fail("no SMTP configured"))
    facility = make_facility()
    from portal.operations.pledge_notices import set_contact_email

    set_contact_email(None, facility, "x@example.cn")
    campaign = h.make_campaign()
    rows = send_campaign_reminders(None, campaign, "", h.TODAY)
    assert "请于" in rows[0].message
    assert deliver_reminders([r.id for r in rows]) == (0, 0)


def test_rejection_is_emailed(db, make_facility, smtp):
    from portal.operations.pledge_notices import deliver_reminders, set_contact_email
    from portal.operations.pledges import decide_pledge

    facility = make_facility()
    set_contact_email(None, facility, "yb@example.cn")
    pledge = h.pledge_of(db, h.make_campaign(), facility)
    h.upload(None, pledge)
    _decision, notice = decide_pledge(None, pledge, verify=False, reason="签字不清")
    assert deliver_reminders([notice.id]) == (1, 0)
    assert "签字不清" in smtp.sent[0].get_content()


# --- Posting checks -------------------------------------------------------------------------


def test_inspector_records_a_posting_check_with_a_photo(
    db, client, auth, make_user, make_facility, storage_root
):
    facility = make_facility()
    campaign = h.make_campaign()
    make_user(Role.INSPECTOR, "post_inspector")
    db.session.commit()
    auth.login("post_inspector")
    page = client.get(f"/bureau/facilities/{facility.id}/pledges").get_data(as_text=True)
    assert "登记张贴检查" in page
    url = f"/bureau/facilities/{facility.id}/pledges/posting"
    token = csrf_token(client.get(url).get_data(as_text=True))
    photo = samples.image("PNG", size=(320, 400))
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "campaign_id": str(campaign.id),
            "posted": "no",
            "checked_on": h.TODAY.isoformat(),
            "inspection_id": "0",
            "note": "未张贴",
            "photo": (io.BytesIO(photo), "现场.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    check = db.session.scalar(db.select(PledgePostingCheck))
    assert check.posted is False and check.photo_media_type == "image/png"
    shown = client.get(f"/bureau/pledges/posting/{check.id}/photo")
    assert shown.get_data() == photo
    shown.close()
    # A disguised photo is refused and nothing is stored.
    before = sorted(p.name for p in storage_root.rglob("*") if p.is_file())
    bad = client.post(
        url,
        data={
            "csrf_token": token,
            "campaign_id": str(campaign.id),
            "posted": "yes",
            "checked_on": h.TODAY.isoformat(),
            "inspection_id": "0",
            "photo": (io.BytesIO(samples.HTML), "photo.png"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 200 and "网页、SVG 或脚本" in bad.get_data(as_text=True)
    assert sorted(p.name for p in storage_root.rglob("*") if p.is_file()) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(PledgePostingCheck)) == 1


def test_a_posting_check_dated_before_the_campaign_opened_is_refused(db, make_facility):
    """Its pledge did not exist yet, so it could not have been posted: no deduction."""
    from portal.pledge_queries import china_date

    facility = make_facility()
    campaign = h.make_campaign()
    opened = china_date(campaign.created_at)  # not the module's TODAY: a run may pass midnight
    with pytest.raises(PledgeError) as refused:
        h.posting_check(None, facility, campaign, checked_on=opened - timedelta(days=1))
    assert refused.value.errors == {
        "checked_on": f"检查日期不能早于该承诺书活动的发起日（{opened.isoformat()}）"
    }
    assert db.session.scalar(db.select(db.func.count()).select_from(PledgePostingCheck)) == 0
    assert facility.credit_score is None
    h.posting_check(None, facility, campaign, checked_on=opened)  # the day it opened: fine


def test_posting_check_links_an_inspection_of_the_same_facility(db, make_facility, make_user):
    from portal.models.inspections import Inspection, InspectionKind, InspectionTrigger
    from portal.operations.pledge_posting import inspection_for

    facility, other = make_facility(), make_facility()
    inspection = Inspection(
        facility_id=other.id,
        kind=list(InspectionKind)[0],
        trigger=list(InspectionTrigger)[0],
        start_date=h.TODAY,
    )
    db.session.add(inspection)
    db.session.flush()
    with pytest.raises(PledgeError):
        inspection_for(facility, inspection.id)
    assert inspection_for(other, inspection.id) is inspection


def test_credit_officer_cannot_record_posting_checks(db, client, auth, make_user, make_facility):
    facility = make_facility()
    make_user(Role.CREDIT_OFFICER, "post_officer")
    auth.login("post_officer")
    assert client.get(f"/bureau/facilities/{facility.id}/pledges/posting").status_code == 403
    assert client.get(f"/bureau/facilities/{facility.id}/pledges").status_code == 200
