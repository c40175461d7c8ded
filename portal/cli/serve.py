"""Serving the app with gunicorn (never Flask's development server)."""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication


class PortalServer(BaseApplication):
    def __init__(self, app, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        return self.application


def default_workers() -> int:
    return min(4, (os.cpu_count() or 1) * 2 + 1)


def serve(app, host: str, port: int, workers: int) -> None:
    PortalServer(
        app,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "accesslog": "-",
            "errorlog": "-",
            "timeout": 120,
            "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        },
    ).run()
