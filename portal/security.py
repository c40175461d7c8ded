"""Response headers, redirect safety, and text the database cannot take."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


def init_security(app: Flask) -> None:
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        # Behind nginx: take the client address and scheme from the proxy's headers, so
        # audit rows and per-address rate limits see the visitor, not the proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    @app.before_request
    def _refuse_unstorable_characters():
        # PostgreSQL text cannot hold NUL: a search, form or JSON value carrying one would
        # fail in the database (a 500) instead of being refused. Nor can any database take
        # a lone surrogate (below).
        values = [request.path, *(text for pair in request.args.items(multi=True) for text in pair)]
        if request.method in ("POST", "PUT", "PATCH"):  # the methods that carry a body
            values += [text for pair in request.form.items(multi=True) for text in pair]
            # Uploaded files' names (their contents are the upload checks' business).
            values += [f.filename or "" for f in request.files.values()]
            if request.is_json:
                try:
                    values.append(request.get_json(silent=True))
                except RecursionError:  # not a ValueError, so ``silent`` lets it through
                    abort(400, _l("请求中的 JSON 嵌套层次过深"))
        bad = _first_unstorable(values)
        if bad == "\x00":
            abort(400, _l("请求中含有无效的空字符（NUL），请删除后重试。"))
        if bad is not None:
            # A JSON escape such as "\ud800" without its pair decodes to half a character,
            # which cannot be encoded as UTF-8 to be stored or searched for (a 500). Query
            # strings and forms are decoded leniently and cannot carry one.
            abort(
                400,
                _l("请求中的 JSON 含有无效字符（不成对的 \\uD800–\\uDFFF 转义），请删除后重试。"),
            )

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if request.path.startswith(("/bureau", "/facility", "/auth")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


#: What no text column takes: NUL (PostgreSQL), and a UTF-16 surrogate code point, half of
#: a character that cannot be encoded as UTF-8 (any database).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _first_unstorable(value) -> str | None:
    """The first ``UNSTORABLE`` character found in any string of ``value`` (text, or JSON
    made of lists and objects, keys included), or None. Walked with a stack of its own:
    JSON may nest deeper than Python's recursion allows."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if found := UNSTORABLE.search(item):
                return found.group()
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def safe_next_url(target: str | None) -> str | None:
    """Return ``target`` only when it is a local path on this site, else None."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
