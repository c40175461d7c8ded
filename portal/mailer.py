"""Outgoing email through ``smtplib``; nothing is sent unless ``MAIL_SERVER`` is set."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_SENDER") or "noreply@localhost"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="medcredit")
    message.set_content(body)
    return message


def send_messages(messages: list[EmailMessage]) -> dict[int, str]:
    """Send over one connection; return index -> error text for the messages that failed.

    Raises ``OSError``/``smtplib.SMTPException`` when the server cannot be reached at all.
    """
    config = current_app.config
    cls = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    failures: dict[int, str] = {}
    with cls(
        config["MAIL_SERVER"],
        int(config.get("MAIL_PORT") or 25),
        timeout=config.get("MAIL_TIMEOUT") or 10,
    ) as smtp:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        for index, message in enumerate(messages):
            try:
                smtp.send_message(message)
            except smtplib.SMTPException as exc:
                failures[index] = str(exc)[:200]
    return failures
