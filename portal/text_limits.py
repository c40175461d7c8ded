"""How long free text may be, the same on the bureau's pages and in the API: a text the
API accepted longer than the page allows would make the page refuse every later edit."""

#: An inspection's notes (备注).
INSPECTION_NOTES = 4000
#: A finding's description of what was found (违规事实).
FINDING_DESCRIPTION = 8000
#: Why an inspection is cancelled, or a finding revoked (撤销理由).
REVOKE_REASON = 2000
#: The violation a staff points record is for (违规行为).
POINTS_VIOLATION = 2000
