"""A rejected pledge scan: the reason as typed, without doubled punctuation or a second
request to upload again, on the facility's page and in the notice."""

from __future__ import annotations

import html

import pytest

from portal.models.enums import Role
from portal.models.pledge_extras import PledgeReminder
from tests.portal import pledge_helpers as h

pytestmark = pytest.mark.usefixtures("storage_root")


@pytest.fixture
def rejected(db, client, auth, make_facility, make_user):
    """Reject the facility's first scan with ``reason``; return the notice and the page."""
    facility = make_facility(name="南通市崇川区退回医院")
    user = make_user(Role.FACILITY, "rj_facility", facility=facility)
    campaign = h.make_campaign()
    db.session.commit()
    pledge = h.pledge_of(db, campaign, facility)

    def reject(reason: str) -> tuple[str, str]:
        h.upload(user, pledge)
        h.reject(None, pledge, reason)
        db.session.commit()
        notice = db.session.scalars(
            db.select(PledgeReminder.message)
            .where(PledgeReminder.pledge_id == pledge.id)
            .order_by(PledgeReminder.id.desc())
        ).first()
        auth.login("rj_facility")
        page = html.unescape(client.get("/facility/pledge").get_data(as_text=True))
        return notice, page

    return reject


@pytest.mark.parametrize("end", ["。", "！", ".", "!", "；", "。 \n"])
def test_the_reasons_own_full_stop_is_not_doubled(rejected, end):
    notice, page = rejected("签字处未加盖公章" + end)
    assert notice == (
        "您单位提交的承诺书扫描件（第1版）被退回，理由：签字处未加盖公章。请按要求重新签署上传。"
    )
    assert "理由：签字处未加盖公章。请重新签字盖章后上传。" in page
    assert notice in page  # the notice as listed
    assert "。。" not in page and "！。" not in page and "；。" not in page


def test_a_reason_without_a_full_stop_gets_one(rejected):
    notice, page = rejected("未加盖公章")
    assert notice.endswith("理由：未加盖公章。请按要求重新签署上传。")
    assert "理由：未加盖公章。请重新签字盖章后上传。" in page


@pytest.mark.parametrize(
    "reason",
    [
        "缺少法定代表人签字，请重新签字盖章后上传。",
        "公章模糊，请重新扫描后上传",
        "印章不清，请重新提交！",
    ],
)
def test_a_reason_that_asks_for_a_new_upload_is_not_followed_by_a_second_request(rejected, reason):
    notice, page = rejected(reason)
    said = reason.rstrip("。！")
    assert notice == f"您单位提交的承诺书扫描件（第1版）被退回，理由：{said}。"
    assert f"承诺书被退回，理由：{said}。</p>" in page
    assert "请按要求重新签署上传" not in page
    # The page's own request appears only within the reason (banner, notice, decisions).
    assert page.count("请重新签字盖章后上传") == page.count(said) * said.count("请重新签字")
