"""The step the bureau and facility views share when a submitted form runs an operation:
commit what it did, or roll it back and show its refusal where the page has room for it
(on the form, on one field, or flashed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash

from portal.extensions import db

#: Shows an operation's refusal to the user.
Show = Callable[[Exception], None]


def form_errors(form, exc, *, rename: Mapping[str, str] | None = None, fallback=None) -> None:
    """Put an operation's field errors on the form. ``rename`` maps the operation's field
    names to the form's where they differ; an error naming no field of the form goes on
    the ``fallback`` field when there is one, otherwise it becomes a form-level error."""
    for field, message in exc.errors.items():
        name = rename.get(field, field) if rename else field
        target = getattr(form, name, None)
        if target is None or name == "csrf_token":
            if fallback is None:
                form.form_errors.append(message)
                continue
            target = fallback
        target.errors = [*target.errors, message]


def on_form(form, *, rename: Mapping[str, str] | None = None, fallback=None) -> Show:
    """Show an operation's field errors (``exc.errors``) on the form: see :func:`form_errors`."""
    return lambda exc: form_errors(form, exc, rename=rename, fallback=fallback)


def on_field(field) -> Show:
    """Show an operation's message on one field of the form."""

    def show(exc: Exception) -> None:
        field.errors.append(str(exc))

    return show


def flashed(category: str = "danger") -> Show:
    """Flash an operation's message, for views that redirect rather than show the form
    again."""
    return lambda exc: flash(str(exc), category)


@dataclass
class Step:
    """What became of a :func:`commit_or_errors` block."""

    committed: bool = False


@contextmanager
def commit_or_errors(error_type: type[Exception], show: Show) -> Iterator[Step]:
    """Run the block in the request's transaction and commit it. When it raises
    ``error_type``, roll back and ``show`` the error instead: the block's work is undone,
    the request goes on, and ``step.committed`` stays False. Any other exception passes
    through uncommitted."""
    step = Step()
    try:
        yield step
    except error_type as exc:
        db.session.rollback()
        show(exc)
        return
    db.session.commit()
    step.committed = True
