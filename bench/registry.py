"""Registry search: the bureau facility list page against a bare SELECT of the same rows.

Both run on the demo data in a throwaway SQLite database (or ``BENCH_DATABASE_URL``).
The ratio says what the ORM, permission checks, templating and pagination cost on top
of fetching the rows.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from cryptography.fernet import Fernet
from sqlalchemy import text

QUERIES = ["", "人民医院", "H3206", "大药房", "崇川"]


def _timed(fn, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def run(rounds: int = 5) -> None:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo_data
    from portal.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench-" + "k" * 40,
                "IDENTITY_KEY": Fernet.generate_key().decode(),
                "INSTANCE_PATH": tmp,
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "RATELIMIT_ENABLED": False,
                "WTF_CSRF_ENABLED": False,
            },
            env="testing",
        )
        app.config["PAGE_SIZE"] = 20
        with app.app_context():
            upgrade()
            load_demo_data()
            db.session.commit()
        admin = next(a for a in DEMO_ACCOUNTS if a[2] == "admin")[0]
        client = app.test_client()
        client.post("/auth/login", data={"username": admin, "password": DEMO_PASSWORD})

        def page():
            for q in QUERIES:
                response = client.get("/bureau/facilities", query_string={"q": q})
                assert response.status_code == 200

        def bare():
            with app.app_context(), db.engine.connect() as conn:
                for q in QUERIES:
                    conn.execute(
                        text(
                            "SELECT * FROM facility WHERE name LIKE :p OR site_code LIKE :p "
                            "OR credit_code LIKE :p ORDER BY county, name, id LIMIT 20"
                        ),
                        {"p": f"%{q}%"},
                    ).all()
                    conn.execute(
                        text(
                            "SELECT count(*) FROM facility WHERE name LIKE :p "
                            "OR site_code LIKE :p OR credit_code LIKE :p"
                        ),
                        {"p": f"%{q}%"},
                    ).scalar()

        page()
        bare()  # warm caches
        ratios, pages, bares = [], [], []
        for _ in range(rounds):
            p = _timed(page, 3)
            b = _timed(bare, 3)
            pages.append(p)
            bares.append(b)
            ratios.append(p / b)
        print(
            f"registry: facility list page vs bare SELECT ({len(QUERIES)} searches, "
            f"{rounds} rounds): page {statistics.median(pages) * 1000:.1f} ms, "
            f"bare {statistics.median(bares) * 1000:.1f} ms, "
            f"ratio median {statistics.median(ratios):.1f}x (min {min(ratios):.1f}x)"
        )
