"""Steps that cannot be undone ask before they are sent (the button's data-confirm, which
static/js/app.js turns into a confirmation prompt), as revoking points, closing or
cancelling an inspection and confirming a finding already do."""

from __future__ import annotations

import re

from portal.models.enums import Responsibility, Role, Severity
from portal.operations.findings import confirm_finding
from portal.web import china_today
from tests.credit_helpers import credit_world
from tests.portal.points_helpers import record_for

FORM = re.compile(r'<form[^>]*method="post"[^>]*>.*?</form>', re.S)


def _forms(html: str) -> list[str]:
    """The page's POST forms, less the log-out button every page has."""
    return [f for f in FORM.findall(html) if "/auth/logout" not in f]


def _asks(client, url: str, action: str | None = None) -> None:
    forms = _forms(client.get(url).get_data(as_text=True))
    if action is not None:
        forms = [f for f in forms if f'action="{action}"' in f]
    assert forms, url
    for form in forms:
        assert re.search(r'<button[^>]*type="submit"[^>]*data-confirm="[^"]+"', form), url


def test_irreversible_decisions_ask_before_they_are_sent(
    db, client, auth, make_facility, make_staff, make_user
):
    world = credit_world(db, make_facility())
    make_user(Role.ADMIN, "boss")
    staff = make_staff()
    inspector = make_user(Role.INSPECTOR, "insp")
    today = china_today()
    record_for(inspector, staff, staff.facilities[0], Severity.MINOR, Responsibility.MAIN,
               today, today)  # fmt: skip
    db.session.commit()
    auth.login("boss")
    finding = world["finding"]
    _asks(client, f"/bureau/findings/{finding.id}/revoke")  # discarding the draft
    confirm_finding(world["inspection"].inspectors[0], finding, today)
    db.session.commit()
    _asks(client, f"/bureau/findings/{finding.id}/revoke")  # revoking it once confirmed
    _asks(client, f"/bureau/credit/adjustments/{world['adjustment'].id}")
    _asks(client, f"/bureau/credit/appeals/{world['credit_appeal'].id}")
    _asks(client, f"/bureau/credit/repairs/{world['repair'].id}")
    _asks(client, f"/bureau/staff/{staff.id}", action=f"/bureau/staff/{staff.id}/restorations")
