"""The commit-or-errors step the bureau and facility views share."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from wtforms import StringField

from portal.models.facility import Facility
from portal.operations.registry import RegistryError
from portal.views_common import commit_or_errors, form_errors


class _Form(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()
    note = StringField()


def test_a_block_that_succeeds_is_committed(db, make_facility):
    shown = []
    with commit_or_errors(RegistryError, shown.append) as step:
        facility_id = make_facility().id
    db.session.rollback()  # what was committed stays
    assert step.committed
    assert shown == []
    assert db.session.get(Facility, facility_id) is not None


def test_the_operations_error_rolls_back_and_is_shown(db, make_facility):
    shown = []
    with commit_or_errors(RegistryError, shown.append) as step:
        facility_id = make_facility().id
        raise RegistryError({"name": "taken"})
    assert not step.committed
    assert [exc.errors for exc in shown] == [{"name": "taken"}]
    assert db.session.get(Facility, facility_id) is None


def test_other_errors_pass_through_uncommitted(db):
    shown = []
    with pytest.raises(KeyError), commit_or_errors(RegistryError, shown.append):
        raise KeyError("bug")
    assert shown == []


def test_form_errors_renames_and_falls_back(app):
    with app.test_request_context(method="POST"):
        exc = RegistryError({"name_fen": "a", "whole": "b", "note": "c"})

        form = _Form()
        form.validate()
        form_errors(form, exc, rename={"name_fen": "name"})
        assert (form.name.errors, form.note.errors, form.form_errors) == (["a"], ["c"], ["b"])

        form = _Form()
        form.validate()
        form_errors(form, exc, rename={"name_fen": "name"}, fallback=form.note)
        assert (form.name.errors, form.note.errors, form.form_errors) == (["a"], ["b", "c"], [])
