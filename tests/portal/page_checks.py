"""Checking a response as a strict CSP would: its security headers, and inline script or style."""

from __future__ import annotations

from html.parser import HTMLParser


class PageScan(HTMLParser):
    """Collects what a Content-Security-Policy without 'unsafe-inline' would block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict] = []
        self.inline_script_text: list[str] = []
        self.style_blocks = 0
        self.handler_attributes: list[str] = []
        self.style_attributes: list[str] = []
        self.javascript_urls: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
            self._in_script = True
        if tag == "style":
            self.style_blocks += 1
        for name, value in attrs:
            if name.startswith("on"):
                self.handler_attributes.append(f"<{tag} {name}>")
            if name == "style":
                self.style_attributes.append(f"<{tag} style>")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.javascript_urls.append(value)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_script_text.append(data.strip())


def scan(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    parser.close()
    return parser


def _csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response, where: str) -> None:
    csp = response.headers.get("Content-Security-Policy")
    assert csp, where
    directives = _csp_directives(csp)
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src, where
    assert "'unsafe-inline'" not in script_src, where
    assert "'unsafe-eval'" not in script_src, where
    assert "*" not in script_src, where
    assert directives.get("object-src") == ["'none'"], where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
