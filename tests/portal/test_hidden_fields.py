"""Hidden form fields: the user never sees them, so an error in one asks to reload the
page instead of naming a field (least of all by its English attribute name)."""

from __future__ import annotations

import html
import io
import re

import pytest
from wtforms import HiddenField
from wtforms.fields.core import UnboundField

from portal.form_fields import Form
from portal.models.enums import Role
from tests.conftest import csrf_token
from tests.pledges import samples

STALE = "表单已过期或不完整，请刷新页面后重试。"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _flashes(page: str) -> list[str]:
    return [
        html.unescape(m)
        for m in re.findall(r'<div class="flash flash-\w+" role="status">(.*?)</div>', page)
    ]


@pytest.mark.usefixtures("storage_root")
@pytest.mark.parametrize("campaign", [None, "", "  "])
def test_pledge_upload_without_its_campaign_asks_to_reload(
    db, client, auth, make_facility, make_user, campaign
):
    facility = make_facility(name="南通市崇川区隐藏字段医院")
    make_user(Role.FACILITY, "hf_facility", facility=facility)
    db.session.commit()
    auth.login("hf_facility")
    data = {
        "csrf_token": csrf_token(client.get("/facility/pledge").get_data(as_text=True)),
        "file": (io.BytesIO(samples.good_pdf()), "scan.pdf"),
    }
    if campaign is not None:
        data["campaign_id"] = campaign
    response = client.post("/facility/pledge/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    flashes = _flashes(client.get(response.headers["Location"]).get_data(as_text=True))
    assert flashes == [STALE]
    assert not any(re.search(r"[A-Za-z]{2,}", text) for text in flashes)


def _forms(cls=Form):
    for sub in cls.__subclasses__():
        yield sub
        yield from _forms(sub)


def test_every_hidden_field_has_a_chinese_label(app):
    hidden = {
        f"{form.__module__}.{form.__name__}.{name}": field
        for form in _forms()
        for name, field in vars(form).items()
        if isinstance(field, UnboundField) and issubclass(field.field_class, HiddenField)
    }
    assert "portal.facility.forms_pledges.UploadForm.campaign_id" in hidden
    unlabelled = [
        name
        for name, field in hidden.items()
        if not CJK.search(str(field.args[0] if field.args else field.kwargs.get("label", "")))
    ]
    assert unlabelled == []
