"""Pledge template versions: issued by an administrator, checked, never overwritten unseen;
old versions stay readable. Campaigns: ``test_pledges_campaigns``."""

from __future__ import annotations

import re

import pytest

from pledges.templates import load_sample
from portal.models.audit import AuditLog
from portal.models.enums import Role
from portal.models.pledges import (
    PledgeTemplateKind,
    PledgeTemplateVersion,
)
from portal.operations.pledge_campaigns import issue_template_version
from portal.operations.pledges import PledgeError
from tests.portal import pledge_helpers as h
from tests.portal.web_helpers import post_form as _post

pytestmark = pytest.mark.usefixtures("storage_root")


def _latest_shown_in(page: str) -> str:
    return re.search(r'name="latest" type="hidden" value="([^"]*)"', page).group(1)


def _latest_shown(client, url: str) -> str:
    """The newest version the template form says it was opened on."""
    return _latest_shown_in(client.get(url).get_data(as_text=True))


def test_admin_issues_versions_and_old_ones_stay_readable(db, client, auth, make_user):
    make_user(Role.ADMIN, "tpl_admin")
    auth.login("tpl_admin")
    form = client.get("/bureau/pledges/templates/new?kind=pharmacy").get_data(as_text=True)
    assert "不盗刷医疗保障身份凭证" in form  # the sample is filled in
    sample = load_sample("pharmacy")
    data = {
        "label": sample.label,
        "title": sample.title,
        "opening": sample.opening,
        "items": "\n".join(sample.items),
        "closing": sample.closing,
        "signature": "\n".join(sample.signature),
        "note": "通医保发〔2026〕1号",
    }
    new = "/bureau/pledges/templates/new?kind=pharmacy"
    assert _latest_shown(client, new) == "0"
    response = _post(client, new, data | {"latest": "0"})
    assert response.status_code == 302
    first = db.session.scalar(db.select(PledgeTemplateVersion))
    assert first.version == 1 and first.text.items == sample.items

    # The same text again is refused; a changed text becomes version 2.
    again = _post(client, new, data | {"latest": _latest_shown(client, new)})
    assert "无需签发新版本" in again.get_data(as_text=True)
    changed = data | {"items": data["items"] + "\n新增：按规定参加医保政策培训。", "note": "修订"}
    from_first = f"{new}&from={first.id}"
    _post(client, from_first, changed | {"latest": _latest_shown(client, from_first)})
    # A form opened on version 1 and sent after version 2 was issued (another
    # administrator's) is not issued over it: its changes would be lost unseen.
    stale = _post(client, from_first, changed | {"items": data["items"], "latest": "1"})
    page = stale.get_data(as_text=True)
    assert "编辑期间已签发了定点零售药店 第2版，本次未签发" in page
    assert _latest_shown_in(page) == "2"
    # Refused for something else first (a blank note), the form still says it was opened
    # on 第1版, and is told of 第2版 when sent again.
    blank = _post(client, from_first, changed | {"note": "", "latest": "1"})
    assert _latest_shown_in(blank.get_data(as_text=True)) == "1"
    again = _post(client, from_first, changed | {"items": data["items"] + "\n再改", "latest": "1"})
    assert "编辑期间已签发了定点零售药店 第2版" in again.get_data(as_text=True)
    # A form that does not say which version it was opened on issues nothing either.
    unknown = _post(client, new, data | {"items": data["items"] + "\n三改", "latest": ""})
    assert "未能确认编辑时的现行版本" in unknown.get_data(as_text=True)
    versions = db.session.scalars(
        db.select(PledgeTemplateVersion).order_by(PledgeTemplateVersion.version)
    ).all()
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].text.items[-1] == "新增：按规定参加医保政策培训。"
    old = client.get(f"/bureau/pledges/templates/{first.id}").get_data(as_text=True)
    assert "定点零售药店 第1版" in old and "新增：按规定参加医保政策培训" not in old
    listing = client.get("/bureau/pledges/templates").get_data(as_text=True)
    assert "定点零售药店 第2版" in listing and "现行" in listing
    audit = db.session.scalars(
        db.select(AuditLog).where(AuditLog.action == "pledge_template.issue")
    ).all()
    assert len(audit) == 2


def test_only_the_administrator_issues_templates(db, client, auth, make_user):
    make_user(Role.CREDIT_OFFICER, "tpl_officer")
    auth.login("tpl_officer")
    assert client.get("/bureau/pledges/templates/new?kind=institution").status_code == 403
    assert client.get("/bureau/pledges/templates").status_code == 200


def test_template_text_is_validated(db):
    with pytest.raises(PledgeError) as caught:
        issue_template_version(None, PledgeTemplateKind.INSTITUTION, {"title": "x"}, "")
    assert {"items", "opening", "closing"} <= set(caught.value.errors)


@pytest.mark.parametrize(
    ("items", "numbered"),
    [
        (["一、第一条", "按规定收费", "2. 第二条", "（三）第三条"], "1、3、4"),
        (["(4) x", "5）y", "十、z", "6、w"], "1、2、3、4"),
    ],
)
def test_template_items_numbered_by_hand_are_refused(db, items, numbered):
    """The pledge numbers its items: "一、一、第一条" would be printed otherwise. Items that
    merely begin with a figure ("30日内", "1.5倍") are fine."""
    data = load_sample("institution").as_dict()
    kind = PledgeTemplateKind.INSTITUTION
    with pytest.raises(PledgeError) as refused:
        issue_template_version(None, kind, data | {"items": "\n".join(items)}, "修订")
    assert refused.value.errors["items"] == (
        f"承诺事项不要自行编号（系统自动编号为一、二、三……），请删去第{numbered}条开头的序号"
    )
    fine = ["30日内完成整改", "1.5倍以下罚款由医保部门依法决定", "10%以上的费用按规定退回"]
    issued = issue_template_version(None, kind, data | {"items": "\n".join(fine)}, "修订")
    assert issued.text.items == tuple(fine)


def test_a_version_issued_before_the_numbering_check_is_still_read(db, client, auth, make_user):
    """Versions already issued with numbered items stay readable and renderable."""
    version = h.issue_samples()[PledgeTemplateKind.INSTITUTION]
    version.body = version.body | {"items": ["一、第一条", "2. 第二条"]}
    db.session.commit()
    make_user(Role.ADMIN, "tpl_reader")
    auth.login("tpl_reader")
    page = client.get(f"/bureau/pledges/templates/{version.id}")
    assert page.status_code == 200 and "一、第一条" in page.get_data(as_text=True)
    assert db.session.get(PledgeTemplateVersion, version.id).text.items == (
        "一、第一条",
        "2. 第二条",
    )
