"""Confirmation prompts (data-confirm) in browser tests.

The page's ``window.confirm`` is replaced before any of its scripts run: it says yes and
notes the question in the tab's session storage, which outlives the navigation the
confirmed step starts, so a test can check what was asked. Native prompts were answered
through Playwright's dialog events before, and in some full runs on this machine the
prompt on the pledge review page was gone by the time the answer came: the form was never
sent and the test timed out. What the app does (ask before the step, go on when told yes)
is tested all the same; the browser's own dialog box is not the app's."""

from __future__ import annotations

import json

ANSWER_YES = """
window.confirm = function (message) {
  var asked = JSON.parse(window.sessionStorage.getItem("e2e-confirm") || "[]");
  asked.push(String(message));
  window.sessionStorage.setItem("e2e-confirm", JSON.stringify(asked));
  return true;
};
"""


def answer_yes_to_confirmations(page) -> None:
    page.add_init_script(ANSWER_YES)


def confirmations(page) -> list[str]:
    """The questions the tab has asked so far, oldest first."""
    return json.loads(page.evaluate("window.sessionStorage.getItem('e2e-confirm') || '[]'"))
