"""One pledge a facility a year, with two writers at once: a campaign opened while another
of the same year is brought up to date (a facility designated since) gives the facility
one pledge, the second writer waiting for the first (PostgreSQL's advisory lock on the
year; SQLite's write lock)."""

from __future__ import annotations

import pytest

from portal.models.pledges import Pledge
from tests.races import second_meanwhile


@pytest.fixture
def year_with_a_newcomer(fresh_database_url, tmp_path):
    """A campaign opened when only one facility existed, and a facility designated since:
    in no campaign of the year yet. Committed."""
    from flask_migrate import upgrade

    from portal.extensions import db as _db
    from portal.operations.registry import create_facility
    from tests.conftest import make_app
    from tests.factories import facility_data
    from tests.portal import pledge_helpers as h

    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        upgrade()
        create_facility(None, facility_data(1))
        templates = h.issue_samples()
        first = h.make_campaign(templates=templates)
        newcomer = create_facility(None, facility_data(2))
        _db.session.commit()
        ids = {
            "campaign": first.id,
            "newcomer": newcomer.id,
            "templates": {kind: version.id for kind, version in templates.items()},
        }
    try:
        yield app, ids
    finally:
        with app.app_context():
            _db.engine.dispose()


def test_a_campaign_opened_while_another_is_synchronised_gives_one_pledge(year_with_a_newcomer):
    from portal.extensions import db as _db
    from portal.models.pledges import PledgeCampaign, PledgeTemplateVersion
    from portal.operations.pledge_campaigns import sync_campaign
    from tests.portal import pledge_helpers as h

    app, ids = year_with_a_newcomer
    with app.app_context():
        templates = {
            k: _db.session.get(PledgeTemplateVersion, v) for k, v in ids["templates"].items()
        }
        h.make_campaign(templates=templates, title="补充签署")  # takes the newcomer, open
        added = []

        def synchronise():
            added.append(sync_campaign(None, _db.session.get(PledgeCampaign, ids["campaign"])))

        outcome = second_meanwhile(app, synchronise, (), "the synchronisation")
        assert outcome == {"done": True} and added == [0]
        pledges = _db.select(_db.func.count()).where(Pledge.facility_id == ids["newcomer"])
        assert _db.session.scalar(pledges) == 1
