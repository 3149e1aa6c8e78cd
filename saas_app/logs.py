"""Logs: one JSON line per event in production, a readable line in development; never a phone or a secret in full.

Every process (the app's backends, `cobro worker`, the other commands) calls `configure()` once. The
ids a line is about come from two places: `bound(...)` for everything logged inside a request or a
job (the request id is bound by api.app's middleware), and `extra={"org_id": ...}` on one call.
Records keep going through the standard library's `logging`, so libraries' logs and pytest's
caplog see the same lines.
"""

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from saas_app.settings import Settings

# The ids a line can be about, in the order a person reads them.
IDS = ("request_id", "org_id", "user_id", "campaign_id", "message_id", "reference")
_context: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar("cobro_log_ids", default=None)
# The request's id has a variable of its own: set on every HTTP request, it must cost next to nothing.
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("cobro_request_id", default=None)

# A phone number as it appears anywhere: E.164 with or without its "+", as Meta writes wa_id.
# Eight digits or more (the shortest national numbers with a country code); the last four stay.
_PHONE = re.compile(r"(?<![\w.])\+?\d{8,15}(?![\w.])")
# `Bearer x`, `token=x`, `"app_secret": "x"`, `password: x`: the value goes, the name stays.
_SECRET = re.compile(
    r"(?i)((?:\b(?:access_?token|app_?secret|client_?secret|secret_?key|secret|password|api_?key|token"
    r"|authorization|signature)[\"']?\s*[:=]\s*[\"']?(?:(?:bearer|basic)\s+)?)|\bbearer\s+)([^\s\"',&;}]+)"
)
_SECRET_NAME = re.compile(r"(?i)token|secret|password|authorization|api_?key|signature")
REDACTED = "[redacted]"
# What every LogRecord carries; anything else on a record came in `extra=` and is written out.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def mask_phone(phone: str) -> str:
    """`+5511987654321` -> `+*********4321`: enough to tell two numbers apart, not to call one."""
    digits = sum(c.isdigit() for c in phone)
    seen = 0
    masked = []
    for c in phone:
        if c.isdigit():
            seen += 1
            masked.append(c if seen > digits - 4 else "*")
        else:
            masked.append(c)
    return "".join(masked)


def mask_email(email: str) -> str:
    """`maria.silva@example.com` -> `m***@example.com`: which domain is under attack, not who."""
    name, at, domain = email.partition("@")
    return f"{name[:1]}***{at}{domain}" if at else "***"


def redact(text: str) -> str:
    """The text with secrets' values replaced and phone numbers masked to their last four digits."""
    text = _SECRET.sub(lambda m: m.group(1) + REDACTED, text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def _value(key: str, value: Any) -> Any:
    if _SECRET_NAME.search(key):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


@contextmanager
def bound(**ids: Any) -> Iterator[None]:
    """Every line logged inside the block carries these ids (None ones are left out)."""
    token = bind(**ids)
    try:
        yield
    finally:
        _context.reset(token)


def bind(**ids: Any) -> contextvars.Token[Mapping[str, Any] | None]:
    """`bound` for code that resets the ids itself: pass the token to `unbind`."""
    return _context.set({**(_context.get() or {}), **{k: v for k, v in ids.items() if v is not None}})


def unbind(token: contextvars.Token[Mapping[str, Any] | None]) -> None:
    """The ids as they were before `bind`."""
    _context.reset(token)


def bind_request(request_id: str) -> contextvars.Token[str | None]:
    """Every line logged while this request is served carries its id; `unbind_request` with the token ends it."""
    return _request_id.set(request_id)


def unbind_request(token: contextvars.Token[str | None]) -> None:
    """The request is answered: its id leaves the log lines."""
    _request_id.reset(token)


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The ids bound around the record, then what the call passed in `extra=`; secrets and phones masked."""
    request_id = _request_id.get()
    fields: dict[str, Any] = {"request_id": request_id} if request_id else {}
    fields.update({key: _value(key, value) for key, value in (_context.get() or {}).items()})
    fields.update(
        {key: _value(key, value) for key, value in vars(record).items() if key not in _STANDARD and value is not None}
    )
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, event, the ids, the extra fields, the error."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": redact(record.getMessage()),
        }
        fields = fields_of(record)
        entry.update({key: fields.pop(key) for key in IDS if key in fields})
        entry.update(fields)
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["error"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`12:00:01 WARNING cobro.worker: the message  org_id=3 message_id=42`, for a person at a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        """The record as a line a person reads, the ids after it, the traceback below."""
        line = redact(super().formatMessage(self._with_time(record)))
        fields = fields_of(record)
        if fields:
            line += "  " + " ".join(f"{key}={value}" for key, value in fields.items())
        if record.exc_info:
            line += "\n" + redact(self.formatException(record.exc_info))
        return line

    def _with_time(self, record: logging.LogRecord) -> logging.LogRecord:
        record.message = record.getMessage()
        record.asctime = self.formatTime(record, self.datefmt)
        return record


_HANDLER_NAME = "cobro"
QUIET_LIBRARIES = ("httpx", "httpcore")


class _StandardError(logging.StreamHandler[Any]):
    """Writes to whatever sys.stderr is when a line is written (a test capturing it, a redirected stream)."""

    @property
    def stream(self) -> Any:
        """The process's standard error now."""
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure(settings: Settings) -> None:
    """Cobro's one handler on the root logger, on standard error (standard output carries exports).

    Idempotent: the app's factory runs once per backend process, and tests build it many times.
    """
    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = _StandardError()
        handler.set_name(_HANDLER_NAME)
        root.addHandler(handler)
        root.setLevel(settings.log_level)  # once: a level set later (a test's caplog) is not undone
        for chatty in QUIET_LIBRARIES:  # a line per HTTP request they make is not news
            logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
