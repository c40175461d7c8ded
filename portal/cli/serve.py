"""Serving the app with gunicorn (never Flask's development server)."""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication


class PortalServer(BaseApplication):
    """Each worker builds its own app after the fork.

    The CLI runs inside an application context; an app object created there and handed to
    the workers would reuse that one context (one ``g``, one session) for every request,
    so a logged-in user could leak to the next visitor. A fresh app has no active context,
    and Flask pushes a new one per request.
    """

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        from portal import create_app

        return create_app()


def default_workers() -> int:
    return min(4, (os.cpu_count() or 1) * 2 + 1)


def serve(host: str, port: int, workers: int) -> None:
    PortalServer(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "accesslog": "-",
            "errorlog": "-",
            "timeout": 120,
            "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        },
    ).run()
