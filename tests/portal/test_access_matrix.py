"""Every route against anonymous visitors and every role, with the expected outcome.

The table below is the contract: a route that is not in it fails
``test_table_lists_every_route`` until someone decides who may use it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from portal.models.enums import Role
from tests.conftest import csrf_token
from tests.portal.access_world import World, build_world
from tests.portal.access_world import route_url as _url
from tests.portal.access_world import rules as _rules

OK = 200
GO = "redirect"  # 302 somewhere other than the login page
LOGIN = "login"  # 302 to the login page (anonymous visitor on a protected page)
TOKEN = 401  # JSON error: the token-protected API wants a bearer token
NO = 403  # Chinese error page

COLUMNS = (
    "anonymous",
    Role.FACILITY,
    Role.INSPECTOR,
    Role.CREDIT_OFFICER,
    Role.APPROVER,
    Role.TIPOFF_HANDLER,
    Role.ADMIN,
    Role.AUDITOR,
)

# fmt: off
#: endpoint -> expected outcome of a GET (or, for POST-only routes, a POST with a valid CSRF
#: token) for each column of COLUMNS.
EXPECTED: dict[str, tuple] = {
    #                          anon   facil. inspect credit approv tipoff admin  auditor
    "public.home":             (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "public.facilities":       (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "public.facility":         (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "auth.login":              (OK,    GO,    GO,    GO,    GO,    GO,    GO,    GO),
    "auth.logout":             (LOGIN, GO,    GO,    GO,    GO,    GO,    GO,    GO),
    "auth.account":            (LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "facility.home":           (LOGIN, OK,    NO,    NO,    NO,    NO,    NO,    NO),
    "facility.staff":          (LOGIN, OK,    NO,    NO,    NO,    NO,    NO,    NO),
    "bureau.home":             (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.audit":            (LOGIN, NO,    NO,    NO,    NO,    NO,    OK,    OK),
    "bureau.facilities":       (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.facility_detail":  (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.facility_new":     (LOGIN, NO,    OK,    OK,    NO,    NO,    OK,    NO),
    "bureau.facility_edit":    (LOGIN, NO,    OK,    OK,    NO,    NO,    OK,    NO),
    "bureau.staff_list":       (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.staff_detail":     (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.staff_new":        (LOGIN, NO,    OK,    OK,    NO,    NO,    OK,    NO),
    "bureau.staff_edit":       (LOGIN, NO,    OK,    OK,    NO,    NO,    OK,    NO),
    "bureau.staff_reveal":     (LOGIN, NO,    OK,    NO,    NO,    NO,    OK,    NO),
    "bureau.import_data":      (LOGIN, NO,    NO,    NO,    NO,    NO,    OK,    NO),
    "bureau.users":            (LOGIN, NO,    NO,    NO,    NO,    NO,    OK,    NO),
    "bureau.user_new":         (LOGIN, NO,    NO,    NO,    NO,    NO,    OK,    NO),
    "bureau.user_edit":        (LOGIN, NO,    NO,    NO,    NO,    NO,    OK,    NO),
    "bureau.user_password":    (LOGIN, NO,    NO,    NO,    NO,    NO,    GO,    NO),
    "bureau.user_unlock":      (LOGIN, NO,    NO,    NO,    NO,    NO,    GO,    NO),
    "bureau.user_token_new":   (LOGIN, NO,    NO,    NO,    NO,    NO,    OK,    NO),
    "bureau.token_revoke":     (LOGIN, NO,    NO,    NO,    NO,    NO,    GO,    NO),
    # Staff points: recording is for inspectors, credit officers and admins; deciding
    # appeals and revoking for approvers, credit officers and admins.
    "bureau.points_new":       (LOGIN, NO,    OK,    OK,    NO,    NO,    OK,    NO),
    "bureau.points_restore":   (LOGIN, NO,    GO,    GO,    NO,    NO,    GO,    NO),
    "bureau.points_appeal":    (LOGIN, NO,    OK,    OK,    NO,    NO,    OK,    NO),
    "bureau.points_revoke":    (LOGIN, NO,    NO,    OK,    OK,    NO,    OK,    NO),
    "bureau.appeals":          (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.appeal_decide":    (LOGIN, NO,    NO,    OK,    OK,    NO,    OK,    NO),
    "bureau.sanctions":        (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "facility.barred":         (LOGIN, OK,    NO,    NO,    NO,    NO,    NO,    NO),
    "facility.staff_points":   (LOGIN, OK,    NO,    NO,    NO,    NO,    NO,    NO),
    # The world's record has an objection pending: the form's address leads back, saying so.
    "facility.points_appeal":  (LOGIN, GO,    NO,    NO,    NO,    NO,    NO,    NO),
    "facility.tasks":          (LOGIN, OK,    NO,    NO,    NO,    NO,    NO,    NO),
    "facility.task_done":      (LOGIN, GO,    NO,    NO,    NO,    NO,    NO,    NO),
    "api.health":              (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "api.facilities":          (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "api.facility":            (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    # A session cookie is never accepted by the API, only a bearer token.
    "api.staff":               (TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN),
    "api.staff_points":        (TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN),
    "api.staff_points_create": (TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN),
    # Pledges: public data (status, pre-filled PDFs, the verified scan, the QR page); the
    # facility acts on its own pledge only; bureau staff all read, credit officers and
    # admins run campaigns, admins issue templates, reviewers verify, inspectors check posting.
    "public.pledge_verify":    (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "public.pledge_signed":    (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "public.pledge_pdf":       (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "public.pledge_poster":    (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "api.facility_pledge":     (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "facility.pledge":         (LOGIN, OK,    NO,    NO,    NO,    NO,    NO,    NO),
    "facility.pledge_pdf":     (LOGIN, OK,    NO,    NO,    NO,    NO,    NO,    NO),
    "facility.pledge_poster":  (LOGIN, OK,    NO,    NO,    NO,    NO,    NO,    NO),
    "facility.pledge_scan":    (LOGIN, OK,    NO,    NO,    NO,    NO,    NO,    NO),
    "facility.pledge_upload":  (LOGIN, GO,    NO,    NO,    NO,    NO,    NO,    NO),
    "facility.pledge_contact": (LOGIN, GO,    NO,    NO,    NO,    NO,    NO,    NO),
    "bureau.pledge_campaigns": (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.pledge_campaign":  (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.pledge_campaign_new": (LOGIN, NO, NO,    OK,    NO,    NO,    OK,    NO),
    "bureau.pledge_overdue_export": (LOGIN, NO, OK,  OK,    OK,    OK,    OK,    OK),
    "bureau.pledge_campaign_remind": (LOGIN, NO, NO, GO,    NO,    NO,    GO,    NO),
    "bureau.pledge_campaign_sync": (LOGIN, NO, NO,   GO,    NO,    NO,    GO,    NO),
    "bureau.pledge_templates": (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.pledge_template":  (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.pledge_template_new": (LOGIN, NO, NO,    NO,    NO,    NO,    OK,    NO),
    "bureau.pledge_queue":     (LOGIN, NO,    OK,    OK,    OK,    NO,    OK,    NO),
    # Every bureau role reads a pledge with its scans; only reviewers get (and may post)
    # the form.
    "bureau.pledge_review":    (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.pledge_scan":      (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.pledge_document_pdf": (LOGIN, NO, OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.facility_pledges_page": (LOGIN, NO, OK,  OK,    OK,    OK,    OK,    OK),
    "bureau.pledge_posting_new": (LOGIN, NO,  OK,    NO,    NO,    NO,    OK,    NO),
    "bureau.pledge_posting_photo": (LOGIN, NO, OK,   OK,    OK,    OK,    OK,    OK),
    # Inspections, findings and facility credit (issue 4).
    "bureau.inspections":      (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.inspection_new":   (LOGIN, NO,    OK,    NO,    NO,    NO,    OK,    NO),
    "bureau.inspection_detail": (LOGIN, NO,   OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.inspection_close": (LOGIN, NO,    GO,    NO,    NO,    NO,    GO,    NO),
    # Correcting and cancelling an inspection belong to whoever records inspections.
    "bureau.inspection_edit":  (LOGIN, NO,    OK,    NO,    NO,    NO,    OK,    NO),
    "bureau.inspection_cancel": (LOGIN, NO,   OK,    NO,    NO,    NO,    OK,    NO),
    "bureau.finding_new":      (LOGIN, NO,    OK,    NO,    NO,    NO,    OK,    NO),
    "bureau.finding_detail":   (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.finding_edit":     (LOGIN, NO,    OK,    NO,    NO,    NO,    OK,    NO),
    "bureau.finding_confirm":  (LOGIN, NO,    GO,    NO,    NO,    NO,    GO,    NO),
    # The world's finding is a draft: discarding it belongs to whoever records findings.
    "bureau.finding_revoke":   (LOGIN, NO,    OK,    NO,    NO,    NO,    OK,    NO),
    "bureau.penalty_calculator": (LOGIN, NO,  OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.penalty_range_json": (LOGIN, NO,  OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.facility_credit":  (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.facility_credit_chart": (LOGIN, NO, OK,  OK,    OK,    OK,    OK,    OK),
    "bureau.facility_credit_recompute": (LOGIN, NO, NO, GO, NO,    NO,    GO,    NO),
    "bureau.credit_supervision": (LOGIN, NO,  OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.adjustment_new":   (LOGIN, NO,    NO,    OK,    NO,    NO,    OK,    NO),
    "bureau.adjustments":      (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    # Every bureau role may read a decision page; only deciders get (and may post) the form.
    "bureau.adjustment_decide": (LOGIN, NO,   OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.credit_appeals":   (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.credit_appeal_decide": (LOGIN, NO, OK,   OK,    OK,    OK,    OK,    OK),
    "bureau.repairs":          (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.repair_decide":    (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    "bureau.self_inspections": (LOGIN, NO,    OK,    OK,    OK,    OK,    OK,    OK),
    # Evidence files of adjustments and objections: every bureau role reads them; a
    # facility only those of its own objections.
    "bureau.credit_attachment": (LOGIN, NO,   OK,    OK,    OK,    OK,    OK,    OK),
    "facility.credit_attachment": (LOGIN, OK, NO,    NO,    NO,    NO,    NO,    NO),
    "facility.credit":         (LOGIN, OK,    NO,    NO,    NO,    NO,    NO,    NO),
    "facility.credit_chart":   (LOGIN, OK,    NO,    NO,    NO,    NO,    NO,    NO),
    "facility.credit_appeal":  (LOGIN, OK,    NO,    NO,    NO,    NO,    NO,    NO),
    "facility.credit_repair":  (LOGIN, OK,    NO,    NO,    NO,    NO,    NO,    NO),
    "facility.self_inspections": (LOGIN, OK,  NO,    NO,    NO,    NO,    NO,    NO),
    "api.facility_credit":     (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "api.facility_credit_history": (OK,   OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "api.openapi":             (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "api.inspections_create":  (TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN),
    "api.inspections":         (TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN),
    "api.inspection":          (TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN),
    "api.inspection_update":   (TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN),
    "api.inspection_close":    (TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN),
    "api.inspection_cancel":   (TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN),
}

#: endpoint -> who is allowed to ask for a missing object, and gets 404 for it.
MISSING_OBJECT: dict[str, object] = {
    "public.facility":         "anonymous",
    "api.facility":            "anonymous",
    "api.staff":               "token",
    "bureau.facility_detail":  Role.INSPECTOR,
    "bureau.facility_edit":    Role.CREDIT_OFFICER,
    "bureau.staff_detail":     Role.AUDITOR,
    "bureau.staff_edit":       Role.INSPECTOR,
    "bureau.staff_reveal":     Role.INSPECTOR,
    "bureau.user_edit":        Role.ADMIN,
    "bureau.user_password":    Role.ADMIN,
    "bureau.user_unlock":      Role.ADMIN,
    "bureau.user_token_new":   Role.ADMIN,
    "bureau.token_revoke":     Role.ADMIN,
    "bureau.points_new":       Role.INSPECTOR,
    "bureau.points_restore":   Role.CREDIT_OFFICER,
    "bureau.points_appeal":    Role.INSPECTOR,
    "bureau.points_revoke":    Role.APPROVER,
    "bureau.appeal_decide":    Role.APPROVER,
    "api.staff_points":        "token",
    "api.staff_points_create": "admin-token",
    # In the facility area an object of another facility is as good as missing (404).
    "facility.staff_points":   Role.FACILITY,
    "facility.points_appeal":  Role.FACILITY,
    "facility.task_done":      Role.FACILITY,
    "public.pledge_verify":    "anonymous",
    "public.pledge_signed":    "anonymous",
    "public.pledge_pdf":       "anonymous",
    "public.pledge_poster":    "anonymous",
    "api.facility_pledge":     "anonymous",
    "bureau.pledge_campaign":  Role.INSPECTOR,
    "bureau.pledge_overdue_export": Role.AUDITOR,
    "bureau.pledge_campaign_remind": Role.CREDIT_OFFICER,
    "bureau.pledge_campaign_sync": Role.ADMIN,
    "bureau.pledge_template":  Role.AUDITOR,
    "bureau.pledge_review":    Role.APPROVER,
    "bureau.pledge_scan":      Role.TIPOFF_HANDLER,
    "bureau.pledge_document_pdf": Role.INSPECTOR,
    "bureau.facility_pledges_page": Role.AUDITOR,
    "bureau.pledge_posting_new": Role.INSPECTOR,
    "bureau.pledge_posting_photo": Role.CREDIT_OFFICER,
    "bureau.inspection_detail": Role.AUDITOR,
    "bureau.inspection_close": Role.INSPECTOR,
    "bureau.inspection_edit":  Role.INSPECTOR,
    "bureau.inspection_cancel": Role.ADMIN,
    "bureau.finding_new":      Role.INSPECTOR,
    "bureau.finding_detail":   Role.AUDITOR,
    "bureau.finding_edit":     Role.INSPECTOR,
    "bureau.finding_confirm":  Role.INSPECTOR,
    "bureau.finding_revoke":   Role.APPROVER,
    "bureau.facility_credit":  Role.AUDITOR,
    "bureau.facility_credit_chart": Role.TIPOFF_HANDLER,
    "bureau.facility_credit_recompute": Role.CREDIT_OFFICER,
    "bureau.adjustment_new":   Role.CREDIT_OFFICER,
    "bureau.adjustment_decide": Role.APPROVER,
    "bureau.credit_appeal_decide": Role.APPROVER,
    "bureau.repair_decide":    Role.CREDIT_OFFICER,
    "bureau.credit_attachment": Role.AUDITOR,
    "facility.credit_attachment": Role.FACILITY,
    "api.facility_credit":     "anonymous",
    "api.facility_credit_history": "anonymous",
    "api.inspection":          "token",
    "api.inspection_update":   "admin-token",
    "api.inspection_close":    "admin-token",
    "api.inspection_cancel":   "admin-token",
}
# fmt: on

#: Form fields sent with POST-only routes so that the request passes validation.
POST_DATA = {
    "bureau.staff_reveal": {"reason": "核查举报线索"},
    "facility.task_done": {"note": "已约谈本人"},
}


def test_table_lists_every_route(app):
    """A new route fails here until its expected outcomes are added to EXPECTED."""
    in_app = set(_rules(app))
    assert set(EXPECTED) == in_app, {
        "missing from EXPECTED": sorted(in_app - set(EXPECTED)),
        "no longer routes": sorted(set(EXPECTED) - in_app),
    }
    for endpoint, row in EXPECTED.items():
        assert len(row) == len(COLUMNS), endpoint


def test_every_route_with_an_object_has_a_missing_object_case(app):
    with_args = {endpoint for endpoint, rule in _rules(app).items() if rule.arguments}
    assert set(MISSING_OBJECT) == with_args


@pytest.fixture
def world(db, make_facility, make_staff, make_user):
    return build_world(db, make_facility, make_staff, make_user)


def _only_post(app, endpoint: str) -> bool:
    methods = _rules(app)[endpoint].methods
    return "GET" not in methods and "POST" in methods


def _log_in_as(client, auth, make_user, world: World, who) -> None:
    if who == "anonymous":
        return
    facility = world.facility if who is Role.FACILITY else None
    username = f"matrix_{who.value}"
    make_user(who, username, facility=facility)
    response = auth.login(username)
    assert response.status_code == 302, f"could not log in as {who}"


def _request(client, app, endpoint: str, url: str, headers=None):
    if _only_post(app, endpoint):
        token = csrf_token(client.get("/").get_data(as_text=True))
        data = {"csrf_token": token} | POST_DATA.get(endpoint, {})
        # Sent from the home page, as a browser says: a visitor without a session is
        # asked to log in and then led back there (the address answers POST only).
        headers = {"Referer": "http://localhost/"} | (headers or {})
        return client.post(url, data=data, headers=headers)
    if endpoint.startswith("api.") and "PATCH" in _rules(app)[endpoint].methods:
        return client.patch(url, json={}, headers=headers)
    return client.get(url, headers=headers)


def _check(response, expected, endpoint: str, who) -> None:
    where = f"{endpoint} as {getattr(who, 'value', who)}"
    if expected == LOGIN:
        assert response.status_code == 302, where
        location = urlsplit(response.headers["Location"])
        assert location.path == "/auth/login", where
        assert "next=" in location.query, where
    elif expected == GO:
        assert response.status_code == 302, where
        assert urlsplit(response.headers["Location"]).path != "/auth/login", where
    elif expected == TOKEN:
        assert response.status_code == 401, where
        assert response.is_json, where
        assert response.get_json()["error"]["code"] == 401, where
    elif expected == NO:
        assert response.status_code == 403, where
        body = response.get_data(as_text=True)
        assert "无权" in body or "仅供" in body, where
    else:
        assert response.status_code == expected, where


@pytest.mark.parametrize(
    "column", range(len(COLUMNS)), ids=[getattr(c, "value", c) for c in COLUMNS]
)
@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_access(app, client, auth, make_user, world, endpoint, column):
    who = COLUMNS[column]
    _log_in_as(client, auth, make_user, world, who)
    response = _request(client, app, endpoint, _url(app, endpoint, world))
    _check(response, EXPECTED[endpoint][column], endpoint, who)


#: Pages that show a form on GET and take it back on POST.
FORM_ENDPOINTS = frozenset(
    {
        "auth.login",
        "auth.account",
        "bureau.facility_new",
        "bureau.facility_edit",
        "bureau.staff_new",
        "bureau.staff_edit",
        "bureau.import_data",
        "bureau.user_new",
        "bureau.user_edit",
        "bureau.points_new",
        "bureau.points_appeal",
        "bureau.points_revoke",
        "bureau.appeal_decide",
        "facility.points_appeal",
        "bureau.pledge_campaign_new",
        "bureau.pledge_template_new",
        "bureau.pledge_review",
        "bureau.pledge_posting_new",
        "bureau.inspection_new",
        "bureau.inspection_edit",
        "bureau.inspection_cancel",
        "bureau.finding_new",
        "bureau.finding_edit",
        "bureau.finding_revoke",
        "bureau.adjustment_new",
        "bureau.adjustment_decide",
        "bureau.credit_appeal_decide",
        "bureau.repair_decide",
        "facility.credit_appeal",
        "facility.credit_repair",
        "facility.self_inspections",
    }
)
REFUSED_POSTS = [
    (endpoint, column)
    for endpoint in sorted(FORM_ENDPOINTS)
    for column, outcome in enumerate(EXPECTED[endpoint])
    if outcome in (LOGIN, NO)
]


def test_form_endpoints_are_the_get_and_post_routes(app):
    derived = {e for e, r in _rules(app).items() if {"GET", "POST"} <= r.methods}
    assert derived == FORM_ENDPOINTS


@pytest.mark.parametrize(
    ("endpoint", "column"),
    REFUSED_POSTS,
    ids=[f"{e}-{getattr(COLUMNS[c], 'value', COLUMNS[c])}" for e, c in REFUSED_POSTS],
)
def test_forms_refuse_post_to_whoever_may_not_get(
    app, client, auth, make_user, world, endpoint, column
):
    """The role check covers POST as well as GET on pages that show a form."""
    who = COLUMNS[column]
    _log_in_as(client, auth, make_user, world, who)
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(_url(app, endpoint, world), data={"csrf_token": token})
    _check(response, EXPECTED[endpoint][column], endpoint, who)


@pytest.mark.parametrize("endpoint", sorted(MISSING_OBJECT))
def test_missing_objects_are_404(app, client, auth, make_user, world, endpoint):
    who = MISSING_OBJECT[endpoint]
    headers = None
    if who == "token":
        headers = {"Authorization": f"Bearer {world.token}"}
    elif who == "admin-token":
        headers = {"Authorization": f"Bearer {world.admin_token}"}
    else:
        _log_in_as(client, auth, make_user, world, who)
    response = _request(client, app, endpoint, _url(app, endpoint, world, missing=True), headers)
    assert response.status_code == 404, endpoint
    if endpoint.startswith("api."):
        assert response.get_json()["error"]["code"] == 404
    else:
        assert "页面不存在" in response.get_data(as_text=True)


def test_api_staff_accepts_a_token(app, client, world):
    url = _url(app, "api.staff", world)
    response = client.get(url, headers={"Authorization": f"Bearer {world.token}"})
    assert response.status_code == 200
    assert response.get_json()["staff_code"] == world.staff.staff_code
