"""Loading TOML rulebooks with messages that name the bad entry."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

RULEBOOK_DIR = Path(__file__).with_name("rulebooks")


class RulebookError(ValueError):
    """A rulebook that cannot be used; the message names the file and the entry."""


def read_toml(path: Path | str) -> dict:
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RulebookError(f"{path}: rulebook file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"{path}: not valid TOML: {exc}") from exc


class Entry:
    """Typed access to a TOML table; errors name ``source:dotted.path``."""

    def __init__(self, data: dict, source: str, path: str = ""):
        self.data = data
        self.source = source
        self.path = path

    def _where(self, key: str) -> str:
        return f"{self.source}: {self.path + '.' if self.path else ''}{key}"

    def fail(self, key: str, message: str) -> RulebookError:
        return RulebookError(f"{self._where(key)}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.data:
            if default is ...:
                raise self.fail(key, "missing")
            return default
        value = self.data[key]
        if isinstance(value, bool) and kind in (int, float):
            raise self.fail(key, f"expected {kind.__name__}, got {value!r}")
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(key, f"expected {names}, got {value!r}")
        return value

    def int(self, key: str, minimum: int | None = None, default: Any = ...) -> int:
        value = self.get(key, int, default)
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def table(self, key: str) -> Entry:
        return Entry(self.get(key, dict), self.source, self._where(key).split(": ", 1)[1])

    def tables(self, key: str) -> list[Entry]:
        items = self.get(key, list)
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.fail(f"{key}[{i}]", "expected a table")
            prefix = f"{self.path}." if self.path else ""
            out.append(Entry(item, self.source, f"{prefix}{key}[{i}]"))
        return out

    def note(self) -> str:
        """Every rule names its source."""
        return self.get("note", str)
