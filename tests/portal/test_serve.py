"""``medcredit serve`` under gunicorn with several workers: no state shared between
visitors (a regression test: workers once reused the CLI's application context)."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

MEDCREDIT = str(Path(sys.executable).with_name("medcredit"))
PASSWORD = "Serve-test-pass1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port, method, path, body=None, cookie=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    if cookie:
        headers["Cookie"] = cookie
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read().decode("utf-8", "replace")
    # Flask-Login also clears remember_token; keep the session cookie.
    cookies = [c for c in response.msg.get_all("Set-Cookie") or [] if c.startswith("session=")]
    result = (
        response.status,
        response.getheader("Location") or "",
        cookies[0] if cookies else "",
        data,
    )
    conn.close()
    return result


@pytest.fixture
def server(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "MEDCREDIT"))}
    env["MEDCREDIT_INSTANCE"] = str(tmp_path / "instance")
    subprocess.run([MEDCREDIT, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [MEDCREDIT, "users", "create", "srv_admin", "--role", "admin", "--password-stdin"],
        env=env,
        check=True,
        capture_output=True,
        input=PASSWORD + "\n",
        text=True,
    )
    port = _free_port()
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115  (closed below)
    process = subprocess.Popen(
        [MEDCREDIT, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _request(port, "GET", "/api/v1/health")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_a_login_never_leaks_to_other_visitors(server):
    status, _, cookie, html = _request(server, "GET", "/auth/login")
    assert status == 200 and cookie
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    session = cookie.split(";")[0]
    body = f"csrf_token={token}&username=srv_admin&password={PASSWORD}"
    status, location, cookie, _ = _request(server, "POST", "/auth/login", body, session)
    assert status == 302 and location.endswith("/bureau/"), (status, location)
    logged_in = cookie.split(";")[0]
    assert _request(server, "GET", "/bureau/users", cookie=logged_in)[0] == 200
    # Anonymous visitors, whichever worker answers, are sent to the login page ...
    for _ in range(8):
        status, location, _, _ = _request(server, "GET", "/bureau/users")
        assert status == 302 and "/auth/login" in location
    # ... and each gets a session and CSRF token of their own.
    tokens = set()
    for _ in range(4):
        status, _, cookie, html = _request(server, "GET", "/auth/login")
        assert status == 200 and cookie
        tokens.add(re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1))
    assert len(tokens) == 4
