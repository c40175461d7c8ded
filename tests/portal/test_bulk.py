"""Batch id filters: every clause set covers exactly the ids asked for (or, for
``id_filters``, a range the caller trims)."""

from __future__ import annotations

from sqlalchemy import select

from portal.models.facility import Facility
from portal.operations.bulk import id_filters, in_filters, run_core


def _ids(filters) -> set[int]:
    return {i for where in filters for (i,) in run_core(select(Facility.id).where(where))}


def test_in_filters_cover_exactly_the_ids(db, make_facility):
    ids = sorted(make_facility().id for _ in range(6))
    dense, sparse = ids[1:4], [ids[0], ids[2], ids[5]]
    clauses = list(in_filters(Facility.id, list(reversed(dense)) + [dense[0]]))
    # Every id of a range, even out of order and repeated: one BETWEEN.
    assert len(clauses) == 1 and "BETWEEN" in str(clauses[0])
    assert _ids(clauses) == set(dense)
    # With gaps, never the ids in between.
    assert _ids(in_filters(Facility.id, sparse)) == set(sparse)
    assert "BETWEEN" not in " ".join(str(c) for c in in_filters(Facility.id, sparse))
    assert list(in_filters(Facility.id, [])) == []


def test_id_filters_cover_at_least_the_ids(db, make_facility):
    ids = sorted(make_facility().id for _ in range(5))
    nearly = [ids[0], ids[2], ids[4]]  # a range twice as long at most
    assert _ids(id_filters(Facility.id, nearly)) == set(ids)
    spread = [ids[0], ids[4] + 1000]
    assert _ids(id_filters(Facility.id, spread)) == {ids[0]}
