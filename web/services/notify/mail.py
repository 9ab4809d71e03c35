"""Sending e-mail through the SMTP server the environment names.

``CLUSTERFLOW_SMTP_HOST`` (no host: e-mail is off), ``CLUSTERFLOW_SMTP_PORT`` (587
with STARTTLS, else 25), ``CLUSTERFLOW_SMTP_USER`` / ``CLUSTERFLOW_SMTP_PASSWORD``
(both, to log in), ``CLUSTERFLOW_SMTP_FROM`` (the sender address),
``CLUSTERFLOW_SMTP_STARTTLS`` (1/true/yes to upgrade the connection).
"""
from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

PREFIX = "CLUSTERFLOW_SMTP_"
TIMEOUT = 20.0


class MailNotConfigured(Exception):
    """No SMTP host is set; the e-mail waits in the queue (and is retried) until one is."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    starttls: bool


def smtp_settings(environ: Mapping[str, str] | None = None) -> SmtpSettings | None:
    env = os.environ if environ is None else environ
    host = env.get(PREFIX + "HOST", "").strip()
    if not host:
        return None
    starttls = env.get(PREFIX + "STARTTLS", "").strip().lower() in ("1", "true", "yes")
    port = int(env.get(PREFIX + "PORT") or (587 if starttls else 25))
    return SmtpSettings(host, port, env.get(PREFIX + "USER") or None, env.get(PREFIX + "PASSWORD") or None,
                        env.get(PREFIX + "FROM") or f"clusterflow@{host}", starttls)


def compose(sender: str, to: str, subject: str, body: str, *, sender_name: str = "") -> EmailMessage:
    """A UTF-8 plain-text message (Persian subjects are encoded as RFC 2047 words)."""
    message = EmailMessage()
    message["From"] = formataddr((sender_name, sender)) if sender_name else sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body, charset="utf-8")
    return message


def send(message: EmailMessage, settings: SmtpSettings | None = None) -> None:
    """Hand ``message`` to the SMTP server. :raise MailNotConfigured, OSError, smtplib.SMTPException:"""
    settings = settings or smtp_settings()
    if settings is None:
        raise MailNotConfigured("no SMTP server is configured (CLUSTERFLOW_SMTP_HOST)")
    if "From" not in message:
        message["From"] = settings.sender
    with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.user and settings.password:
            smtp.login(settings.user, settings.password)
        smtp.send_message(message)
