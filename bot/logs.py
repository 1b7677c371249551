"""Log lines that keep what they are given: the message plus its `extra` ids and codes.

`KITH_LOG_FORMAT=text` (default) writes `time LEVEL logger message key=value ...`;
`json` writes one JSON object a line. Fields that could carry personal data (a
number, a name, a message's text) are never written, whatever a caller passes, and
anything shaped like a phone number is masked in what is left.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, TextIO

# Attributes every LogRecord has: anything else on a record came from `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
# `extra` keys never written: they name personal data.
PRIVATE_KEYS = frozenset(
    {"address", "body", "text", "phone", "number", "from", "to", "name", "first_name", "words"}
)
# A run of 7+ digits (optionally after +, with spaces or dashes): a phone number.
_NUMBER = re.compile(r"\+?\d[\d \-]{5,}\d")


def _mask(value: str) -> str:
    return _NUMBER.sub("[number]", value)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return _mask(str(value))


def extras(record: logging.LogRecord) -> dict[str, Any]:
    """The record's `extra` fields that may be logged, in the order given."""
    return {
        key: _plain(value)
        for key, value in vars(record).items()
        if key not in _STANDARD and not key.startswith("_") and key.lower() not in PRIVATE_KEYS
    }


def _exception(record: logging.LogRecord) -> dict[str, str]:
    """An exception's type and place only: its message and traceback may hold personal data."""
    if not record.exc_info or record.exc_info[0] is None:
        return {}
    frames = traceback.extract_tb(record.exc_info[2])
    place = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    return {"error": record.exc_info[0].__name__, "at": place}


def _text_value(value: Any) -> str:
    shown = "null" if value is None else str(value).lower() if isinstance(value, bool) else value
    shown = str(shown)
    if not shown or any(c in shown for c in ' "=\n'):
        return json.dumps(shown, ensure_ascii=False)
    return shown


class TextFormatter(logging.Formatter):
    """`2026-03-10T11:00:00.123Z WARNING bot.delivery send failed outbox_id=4 error=...`."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        line = f"{when[:-3]}Z {record.levelname} {record.name} {_mask(record.getMessage())}"
        fields = extras(record)
        fields.update({k: v for k, v in _exception(record).items() if k not in fields})
        if fields:
            line += " " + " ".join(f"{k}={_text_value(v)}" for k, v in fields.items())
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _mask(record.getMessage()),
        }
        entry.update(_exception(record))
        for key, value in extras(record).items():
            entry.setdefault(key, value)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(log_format: str, level: int, stream: TextIO | None = None) -> None:
    """Send Kith's logs to standard error (default) in `log_format` (`text` or `json`)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # The Twilio client logs request bodies at INFO: keep message text out of the logs.
    logging.getLogger("twilio").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
