"""An inspection recorded again (a double click, the page sent again, a colleague entering
the same paper record): one the facility already has of the same kind, begun the same day
and not cancelled, is refused naming it unless the recorder confirms it is another; the
audit row says so. Two sent at the same moment: ``test_inspection_races``."""

from __future__ import annotations

import pytest

from portal.models.inspections import InspectionKind, InspectionTrigger
from portal.operations.inspections import (
    DuplicateInspection,
    cancel_inspection,
    create_inspection,
    same_inspections,
)
from tests.credit_helpers import TODAY, inspection, two_inspectors
from tests.portal.web_helpers import last_audit_row

# --- The operation ----------------------------------------------------------------------------


def test_the_operation_refuses_it_unless_confirmed(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    first = inspection(one, facility, [one, two])
    with pytest.raises(DuplicateInspection) as exc:
        inspection(one, facility, [one, two], reference="另一文号", on_site=False)
    assert exc.value.existing == [first] and exc.value.recorded_since == []
    assert f"#{first.id}" in exc.value.errors["confirm_distinct"]
    second = inspection(one, facility, [one, two], confirm_distinct=True)
    assert second.id != first.id
    row = last_audit_row(db, "inspection.create")
    assert row.object_id == str(second.id)
    assert row.summary["after"]["confirmed_distinct_from"] == [first.id]


def test_the_operation_counts_no_cancelled_inspection(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    mistaken = inspection(one, facility, [one, two])
    cancel_inspection(one, mistaken, "误登记")
    assert same_inspections(facility, mistaken.kind, mistaken.start_date) == []
    inspection(one, facility, [one, two])
    assert "confirmed_distinct_from" not in last_audit_row(db, "inspection.create").summary["after"]


def test_a_confirmation_covers_the_inspections_shown_only(db, make_facility, make_user):
    facility = make_facility()
    one, two = two_inspectors(make_user)
    data = {
        "facility": facility, "kind": InspectionKind.ROUTINE, "trigger": InspectionTrigger.PLAN,
        "start_date": TODAY, "inspectors": [one, two],
    }  # fmt: skip
    first = create_inspection(one, data, TODAY)
    second = create_inspection(one, data, TODAY, confirm_distinct=True, shown={first.id})
    with pytest.raises(DuplicateInspection) as exc:  # the same confirmation sent again
        create_inspection(one, data, TODAY, confirm_distinct=True, shown={first.id})
    assert exc.value.existing == [first, second] and exc.value.recorded_since == [second]
    assert exc.value.errors == {
        "confirm_distinct": f"打开本页后又登记了相同的检查（检查记录 #{second.id}），请核对后再确认"
    }
    # Shown nothing, the tick covers nothing.
    with pytest.raises(DuplicateInspection):
        create_inspection(one, data, TODAY, confirm_distinct=True, shown=set())
    create_inspection(one, data, TODAY, confirm_distinct=True, shown={first.id, second.id})
