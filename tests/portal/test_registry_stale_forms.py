"""An edit form filled in while someone else changed the record: saved as it was filled
in, it would put back what they changed (a facility's agreement status, a person's
practice sites, an account's deactivation). It is refused, naming what changed; sent
again as it stands, it saves."""

from __future__ import annotations

import html
import re
from datetime import date

from portal.models.enums import FacilityStatus, Role
from portal.models.facility import Facility
from portal.models.staff import StaffMember
from portal.operations.registry import update_facility, update_staff
from tests.conftest import csrf_token


def _form(page: str) -> dict:
    """What the browser would send back from an edit page: its inputs and selections."""
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)
    }
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option[^>]*selected[^>]*value="([^"]+)"', body) or re.search(
            r'<option[^>]*value="([^"]+)"', body
        )
        fields[name] = chosen[1]
    return fields | {"csrf_token": csrf_token(page)}


def test_a_facility_form_read_before_a_termination_does_not_undo_it(db, editor, make_facility):
    facility = make_facility(name="并发编辑医院")
    db.session.commit()
    url = f"/bureau/facilities/{facility.id}/edit"
    typed = _form(editor.get(url).get_data(as_text=True)) | {"contact_name": "新联系人"}
    # Meanwhile someone else records the agreement's termination.
    update_facility(None, facility, {"status": FacilityStatus.TERMINATED})
    db.session.commit()
    response = editor.post(url, data=typed)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "打开本页后，他人修改了：协议状态（现为 已解除）" in page
    assert 'value="新联系人"' in page  # what was typed is kept
    db.session.expire_all()
    facility = db.session.get(Facility, facility.id)
    assert facility.status is FacilityStatus.TERMINATED and facility.contact_name != "新联系人"
    # Sent again from that page, knowing, it saves what it says.
    again = _form(page) | {"status": "terminated"}
    assert editor.post(url, data=again).status_code == 302
    db.session.expire_all()
    facility = db.session.get(Facility, facility.id)
    assert facility.status is FacilityStatus.TERMINATED and facility.contact_name == "新联系人"


def test_a_staff_form_read_before_a_practice_change_does_not_undo_it(
    db, editor, make_facility, make_staff
):
    first, second = make_facility(), make_facility()
    staff = make_staff([first])
    db.session.commit()
    url = f"/bureau/staff/{staff.id}/edit"
    typed = _form(editor.get(url).get_data(as_text=True)) | {"name": "改名后"}
    data = {"staff_code": staff.staff_code, "name": staff.name, "profession": staff.profession}
    update_staff(None, staff, data | {"facilities": [first, second]}, date(2026, 3, 1))
    db.session.commit()
    response = editor.post(url, data=typed)
    assert response.status_code == 200
    assert "打开本页后，他人修改了：执业机构" in response.get_data(as_text=True)
    db.session.expire_all()
    staff = db.session.get(StaffMember, staff.id)
    assert staff.name != "改名后" and len(staff.facilities) == 2


def test_an_account_form_read_before_a_deactivation_does_not_undo_it(db, client, auth, make_user):
    from portal.models.user import User
    from portal.operations.users import update_user

    make_user(Role.ADMIN, "boss")
    target = make_user(Role.AUDITOR, "leaving")
    db.session.commit()
    auth.login("boss")
    url = f"/bureau/users/{target.id}"
    page = client.get(url).get_data(as_text=True)
    account = page[page.index('<form method="post" novalidate') :]
    typed = _form(account[: account.index("</form>")]) | {"display_name": "改名", "active": "y"}
    # Meanwhile the account is deactivated in another tab.
    update_user(None, target, display_name=target.display_name, role=target.role,
                facility=None, active=False)  # fmt: skip
    db.session.commit()
    response = client.post(url, data=typed)
    assert response.status_code == 200
    assert "打开本页后，他人修改了：启用（现为 否）" in response.get_data(as_text=True)
    db.session.expire_all()
    target = db.session.get(User, target.id)
    assert not target.active and target.display_name != "改名"
