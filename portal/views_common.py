"""The step the bureau and facility views share when a submitted form runs an operation:
commit what it did, or roll it back and show its refusal where the page has room for it
(on the form, on one field, or flashed)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash, request
from flask_babel import gettext as _
from wtforms import HiddenField

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


def say_if_decided(pending: bool) -> None:
    """After a decision was sent for something no longer pending (decided before, or by
    someone else meanwhile): say so, as the page no longer shows the form whose field the
    refusal would stand under."""
    if request.method == "POST" and not pending:
        flash(_("该事项已经处理，处理结果见下方；本次提交未作任何更改"), "warning")


def flash_form_errors(form) -> None:
    """Flash what a form found wrong, each message naming its field, for views that
    redirect to a page (which may hold several forms) instead of showing the form again.
    A hidden field is not the user's to fill in: its errors read as one request to reload
    the page (which the form came from stale or altered) instead of naming the field."""
    stale = False
    for name, errors in form.errors.items():
        field = getattr(form, name, None)
        if name == "csrf_token" or field is None:
            label = ""
        elif isinstance(field, HiddenField):
            stale = True
            continue
        else:
            label = field.label.text
        for message in errors:
            flash(f"{label}：{message}" if label else message, "danger")
    if stale:
        flash(_("表单已过期或不完整，请刷新页面后重试。"), "danger")


def flashed(category: str = "danger") -> Show:
    """Flash an operation's message, for views that redirect rather than show the form
    again."""
    return lambda exc: flash(str(exc), category)


def filter_choice(enum, name: str, default: str = ""):
    """A list's filter ``name`` from the query string as a member of ``enum`` (by value or
    label), or None for all. A value naming no member (an old bookmark, an address typed
    by hand) lists all and says so, rather than silently."""
    text = request.args.get(name, default).strip()
    member = enum.from_label_or_value(text)
    if member is None and text:
        say_unknown_filter(text)
    return member


def say_unknown_filter(text: str) -> None:
    """Say that a list filter's value names nothing, and that all is listed instead."""
    flash(_("筛选条件“%(value)s”无效，已显示全部。", value=text[:40]), "warning")


def filter_value(enum, name: str) -> str:
    """``filter_choice`` as the member's value, "" for all (for queries taking text)."""
    member = filter_choice(enum, name)
    return member.value if member else ""


def shown_number(text: str | None) -> int:
    """The version a form carries in a hidden field (the one its page showed: a scan, a
    template); -1, which no version is, when it carries none."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 9 else -1


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


def snapshot(summary: Mapping) -> str:
    """A record's summary (``audit_summary``) as an edit form carries it, hidden, from the
    page it was read on: see :func:`changed_meanwhile`."""
    return json.dumps(summary, sort_keys=True, ensure_ascii=False, default=str)


def changed_meanwhile(form, object_type: str, summary: Mapping) -> bool:
    """Whether the record changed since ``form``'s page was read (``form.seen``, its
    :func:`snapshot` then, against ``summary`` now): a form saved as it was filled in
    would put back what someone else changed meanwhile (a facility's agreement status,
    say). If so, the form gets an error naming what changed and, for the next
    submission, the record as it is now: sent again as it stands, it saves."""
    from portal.audit_display import field_label, format_value

    try:
        seen = json.loads(form.seen.data or "")
    except ValueError:
        seen = None
    now = json.loads(snapshot(summary))
    if not isinstance(seen, dict) or seen == now:
        return False
    changed = [
        _("%(f)s（现为 %(v)s）", f=field_label(object_type, k), v=format_value(object_type, k, v))
        for k, v in now.items()
        if seen.get(k) != v
    ]
    form.form_errors.append(
        _(
            "打开本页后，他人修改了：%(changed)s。本次修改未保存，请核对后再次提交"
            "（再次提交将以本页填写的内容为准）",
            changed="；".join(changed),
        )
    )
    form.seen.data = snapshot(summary)
    form.seen.raw_data = [form.seen.data]
    return True
