"""Searching the bureau's staff lists by a full ID number.

A search that finds a person by the exact number confirms a guess: the masked form shows
the first 4 and last 4 characters, so the 10 hidden ones (a birth date, a sequence number
and a check digit) take about 20,000 tries, fewer with a known birth year. Only the roles
that may reveal a full number (``identity.reveal``) search by it, and each such search is
audited as a reveal is; for any other role the number matches nothing and the page says
why instead of showing an empty result.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user

from portal.database import begin_writing
from portal.extensions import db
from portal.operations.registry import record_id_number_search
from portal.permissions import can
from portal.queries import is_full_id_number


@dataclass(frozen=True)
class IdSearch:
    """How a staff search treats its text ``q``."""

    q: str
    #: ``q`` is a full ID number and the user may search by it (the search is audited).
    by_id_number: bool = False
    #: ``q`` is a full ID number the user may not search by: the page says so.
    refused: bool = False

    def audit(self, matches: int) -> None:
        """Record a search by ID number and commit it; nothing for any other search."""
        if self.by_id_number:
            record_id_number_search(current_user, self.q, matches)
            db.session.commit()


def id_search(q: str) -> IdSearch:
    """How the current user's staff search for ``q`` treats an ID number. Call before
    reading: a search by ID number writes its audit row (``begin_writing``)."""
    q = (q or "").strip()
    if not is_full_id_number(q):
        return IdSearch(q)
    if not can("identity.reveal"):
        return IdSearch(q, refused=True)
    begin_writing()
    return IdSearch(q, by_id_number=True)
