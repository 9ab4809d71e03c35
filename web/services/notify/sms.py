"""The SMS channel: a pluggable sender, chosen by ``CLUSTERFLOW_SMS_SENDER=module:Class``.

To connect an Iranian SMS provider (e.g. a national bulk-SMS web service),
write a class with this interface in a module of your own and name it in the
environment::

    class ProviderSender:
        def __init__(self) -> None: ...            # read the provider's key etc. from the environment
        def send(self, phone: str, text: str) -> None:
            ...                                    # raise any exception when the provider refuses or is away

``send`` is called by the worker, never in a request; an exception makes the
job try again later (growing delays, a limited number of attempts). Phone
numbers are stored as the user typed them (e.g. ``09121234567``); the sender
turns them into what its provider expects. The default sender only logs.
"""
from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)
ENV = "CLUSTERFLOW_SMS_SENDER"


@runtime_checkable
class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Deliver ``text`` (Persian, UTF-8) to ``phone``; raise when it could not be handed over."""


class LoggingSmsSender:
    """Writes each SMS to the log instead of sending it (the default, and for development)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))
        log.info("SMS to %s: %s", phone, text)


def load_sender(environ: Mapping[str, str] | None = None) -> SmsSender:
    """The sender named by ``CLUSTERFLOW_SMS_SENDER`` (``module:Class``), or the logging one.

    :raise ValueError: the setting is malformed or names something that is not a sender.
    """
    env = os.environ if environ is None else environ
    spec = env.get(ENV, "").strip()
    if not spec:
        return LoggingSmsSender()
    module_name, _, class_name = spec.partition(":")
    if not module_name or not class_name:
        raise ValueError(f"{ENV} must look like 'package.module:ClassName', not {spec!r}")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"{ENV}={spec!r}: {exc}") from exc
    try:
        sender = cls()
    except Exception as exc:  # noqa: BLE001 - whatever the class raises, the setting is what is wrong
        raise ValueError(f"{ENV}={spec!r} could not be created: {exc}") from exc
    if not isinstance(sender, SmsSender):
        raise ValueError(f"{ENV}={spec!r} has no send(phone, text) method")
    return sender
