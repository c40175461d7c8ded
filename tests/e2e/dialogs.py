"""Confirmation prompts (data-confirm) in browser tests."""

from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError


def accept_dialogs(page) -> None:
    """Accept every prompt ``page`` shows. A prompt already gone when the handler runs
    (seen once, under load: "No dialog is showing") is let be: the error, raised inside
    Playwright's event dispatch, would otherwise stall the test's next wait until it times
    out. A prompt dismissed without being accepted still fails the test, at the wait for
    the page the confirmed step leads to."""

    def accept(dialog) -> None:
        try:
            dialog.accept()
        except PlaywrightError as exc:
            if "No dialog is showing" not in str(exc):
                raise

    page.on("dialog", accept)
