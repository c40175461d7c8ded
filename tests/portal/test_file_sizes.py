"""File sizes as listed beside evidence files and pledge scans: KB below a megabyte, MB
from one."""

from __future__ import annotations

import pytest

from portal.models.credit import CreditAppeal
from portal.models.enums import Role
from portal.web import china_today, file_size
from tests.credit_helpers import attach_evidence
from tests.portal import pledge_helpers as h

EIGHT_MB = 8_683_827  # 8480.3 KB


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0.0 KB"),
        (512, "0.5 KB"),
        (300 * 1024, "300.0 KB"),
        (1023 * 1024, "1023.0 KB"),
        (1024 * 1024 - 1, "1.0 MB"),  # not "1024.0 KB"
        (1024 * 1024, "1.0 MB"),
        (EIGHT_MB, "8.3 MB"),
        (20 * 1024 * 1024, "20.0 MB"),
    ],
)
def test_file_size(size, shown):
    assert file_size(size) == shown


@pytest.mark.usefixtures("storage_root")
def test_an_eight_megabyte_evidence_file_reads_in_mb(db, client, auth, make_facility, make_user):
    facility = make_facility()
    make_user(Role.INSPECTOR, "fs_viewer")
    appeal = CreditAppeal(facility=facility, reason="对评价结果有异议", filed_on=china_today())
    db.session.add(appeal)
    db.session.flush()
    attach_evidence(name="退款凭证.pdf", appeal=appeal).size = EIGHT_MB
    db.session.commit()
    auth.login("fs_viewer")
    page = client.get(f"/bureau/facilities/{facility.id}/credit").get_data(as_text=True)
    assert '退款凭证.pdf</a> <span class="muted">（8.3 MB，' in page
    assert "8480.3 KB" not in page


@pytest.mark.usefixtures("storage_root")
def test_an_eight_megabyte_pledge_scan_reads_in_mb(db, client, auth, make_facility, make_user):
    facility = make_facility(name="南通市崇川区大文件医院")
    user = make_user(Role.FACILITY, "fs_facility", facility=facility)
    campaign = h.make_campaign()
    pledge = h.pledge_of(db, campaign, facility)
    h.upload(user, pledge).size = EIGHT_MB
    db.session.commit()
    auth.login("fs_facility")
    page = client.get("/facility/pledge").get_data(as_text=True)
    assert "<td>8.3 MB</td>" in page and "8480.3 KB" not in page
