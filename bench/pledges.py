"""Pledges: serving a cached pledge PDF against serving a static file of the same size
through the same server, and rendering a campaign with one worker against all cores.

Serving: the portal runs under gunicorn (one sync worker, as ``medcredit serve`` runs it) on
loopback in its own process, over a throwaway SQLite database (or ``BENCH_DATABASE_URL``).
A bounded loop of sequential requests fetches the public pledge PDF (a cache hit: database
lookups, the data hash, the stored file) and, interleaved, a plain file of the same size
served by ``send_from_directory`` like ``/static``. The ratio is static time / pledge
time, i.e. the pledge's share of static throughput (goal >= 0.8).

Rendering: ``medcredit pledges render-campaign`` on an empty cache, ``--workers 1`` and
``--workers <cores>``; seconds per pledge for each and the speed-up.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import socket
import statistics
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

REQUESTS = 200
PLEDGES = 12


def _config(tmp: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("BENCH_DATABASE_URL")
        or f"sqlite:///{tmp}/bench.sqlite3",
        "SECRET_KEY": "bench-" + "k" * 40,
        "IDENTITY_KEY": Fernet.generate_key().decode(),
        "INSTANCE_PATH": tmp,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
        "PUBLIC_BASE_URL": "http://127.0.0.1",
    }


def _app(config: dict, static_dir: str):
    from flask import send_from_directory

    from portal import create_app

    app = create_app(config, env="testing")
    # A plain file route, served exactly as Flask serves /static, as the baseline.
    app.add_url_rule(
        "/bench-static/<path:filename>",
        "bench_static",
        lambda filename: send_from_directory(static_dir, filename),
    )
    return app


def _serve(config: dict, static_dir: str, port: int) -> None:
    """Child process: gunicorn with one sync worker on 127.0.0.1:port; the worker builds
    its own app (as ``portal.cli.serve`` does)."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            for key, value in {
                "bind": f"127.0.0.1:{port}",
                "workers": 1,
                "errorlog": "-",
                "loglevel": "warning",
                "timeout": 60,
            }.items():
                self.cfg.set(key, value)

        def load(self):
            return _app(config, static_dir)

    Server().run()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")
        return body
    finally:
        conn.close()


def _loop(port: int, path: str, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        _fetch(port, path)
    return time.perf_counter() - start


def _seed(app, n: int) -> tuple[int, str]:
    from portal.extensions import db
    from portal.operations.registry import create_facility
    from tests.factories import facility_data
    from tests.portal import pledge_helpers

    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        facilities = [create_facility(None, facility_data(7000 + i)) for i in range(n)]
        campaign = pledge_helpers.make_campaign()
        db.session.commit()
        return campaign.id, facilities[0].site_code


def _render_times(app, campaign_id: int, n: int) -> dict[int, float]:
    from portal.extensions import db
    from portal.models.pledge_extras import RenderedPledgeFile

    runner = app.test_cli_runner()
    times = {}
    for workers in sorted({1, os.cpu_count() or 1}):
        with app.app_context():
            db.session.execute(db.delete(RenderedPledgeFile))
            db.session.commit()
        start = time.perf_counter()
        with app.app_context():
            result = runner.invoke(
                args=[
                    "pledges",
                    "render-campaign",
                    str(campaign_id),
                    "--workers",
                    str(workers),
                    "--variant",
                    "pledge",
                ]
            )
        elapsed = time.perf_counter() - start
        if result.exit_code != 0:
            raise RuntimeError(f"render-campaign failed: {result.output}") from result.exception
        times[workers] = elapsed / n
    return times


def run(rounds: int = 5, scale: float = 1.0) -> None:
    n = max(2, round(PLEDGES * scale))
    requests = max(20, round(REQUESTS * scale))
    with tempfile.TemporaryDirectory() as tmp:
        static_dir = Path(tmp) / "static"
        static_dir.mkdir()
        config = _config(tmp)
        app = _app(config, str(static_dir))
        campaign_id, site_code = _seed(app, n)

        render = _render_times(app, campaign_id, n)
        cores = max(render)
        print(
            f"pledges: render-campaign, {n} A4 pledges: 1 worker {render[1]:.2f} s/pledge, "
            f"{cores} workers {render[cores]:.2f} s/pledge, "
            f"speed-up {render[1] / render[cores]:.2f}x"
        )

        for ttl in (0, 5):
            _serve_ratio(
                dict(config, PLEDGE_PUBLIC_CACHE_SECONDS=ttl),
                static_dir,
                site_code,
                rounds,
                requests,
            )


def _serve_ratio(config: dict, static_dir: Path, site_code: str, rounds: int, requests: int):
    port = _free_port()
    server = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(config, str(static_dir), port), daemon=True
    )
    server.start()
    try:
        pledge_path = f"/facilities/{site_code}/pledge.pdf"
        for _ in range(200):
            try:
                pdf = _fetch(port, pledge_path)  # renders once if not cached
                break
            except (ConnectionError, OSError):
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        (static_dir / "same-size.pdf").write_bytes(os.urandom(len(pdf)))
        static_path = "/bench-static/same-size.pdf"
        _loop(port, pledge_path, 10)
        _loop(port, static_path, 10)  # warm up
        ratios, pledge_ms, static_ms = [], [], []
        for _ in range(rounds):
            s = _loop(port, static_path, requests)
            p = _loop(port, pledge_path, requests)
            ratios.append(s / p)
            pledge_ms.append(p / requests * 1000)
            static_ms.append(s / requests * 1000)
    finally:
        server.terminate()
        server.join(timeout=10)
    ttl = config["PLEDGE_PUBLIC_CACHE_SECONDS"]
    mode = f"lookup remembered {ttl} s" if ttl else "a database lookup per request"
    print(
        f"pledges: cached pledge PDF ({len(pdf) / 1024:.0f} KB, {mode}) vs static file of "
        f"the same size, gunicorn 1 worker, {requests} sequential requests x {rounds} rounds: "
        f"pledge {statistics.median(pledge_ms):.2f} ms, static "
        f"{statistics.median(static_ms):.2f} ms, ratio median "
        f"{statistics.median(ratios):.2f} (min {min(ratios):.2f}, goal >= 0.8)"
    )
