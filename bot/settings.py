"""Settings, read from the environment (and an optional `.env` file) in this one place."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

from sqlalchemy.engine import make_url

from bot.core.phone import to_e164
from bot.core.sending import DEFAULT_PACES, Pace

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///kith.db"
DEFAULT_TEST_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


class SettingsError(ValueError):
    """A setting has a malformed value; the message is one clear line for the operator."""


@dataclass(frozen=True)
class Settings:
    """Everything Kith reads from its environment."""

    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    public_url: str | None = None
    services_dir: Path | None = None
    default_service: str | None = None
    oncall: tuple[str, ...] = ()
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = field(default=None, repr=False)
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_url: str | None = None
    telegram_bot_token: str | None = field(default=None, repr=False)
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    telegram_api_url: str | None = None
    postcode_api_url: str | None = None
    clock: datetime | None = None
    staff: str | None = None
    log_format: str = "text"
    # Sending pace (None: the provider's published limit, bot.delivery.dispatcher).
    sms_rate: float | None = None
    telegram_rate: float | None = None
    send_concurrency: int | None = None
    sms_price: float | None = None
    backlog_limit_seconds: int = 300
    # Staff commands that need no service definitions run on with a broken
    # KITH_SERVICES_DIR: its broken files are left out (the CLI warns once).
    skip_broken_definitions: bool = False

    @property
    def database_shown(self) -> str:
        """The database URL with any password hidden (for messages and repr)."""
        return make_url(self.database_url).render_as_string(hide_password=True)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in self.__dataclass_fields__
            if self.__dataclass_fields__[name].repr
        )
        return f"Settings(database_url={self.database_shown!r}, {shown})"

    def paces(self) -> dict[str, Pace]:
        """Each channel's sending pace: the defaults with what the settings change."""
        paces = {}
        for channel, rate in (("sms", self.sms_rate), ("telegram", self.telegram_rate)):
            pace = DEFAULT_PACES[channel]
            if rate is not None:
                pace = replace(pace, rate=rate, burst=max(1.0, min(pace.burst, rate)))
            if self.send_concurrency is not None:
                pace = replace(pace, in_flight=self.send_concurrency)
            paces[channel] = pace
        return paces

    @property
    def twilio_configured(self) -> bool:
        """True when Kith can send SMS through Twilio's REST API."""
        return bool(
            self.twilio_account_sid
            and self.twilio_auth_token
            and (self.twilio_from or self.twilio_messaging_service_sid)
        )

    def missing_for_sms(self) -> list[str]:
        """Names of the settings still needed to send SMS (empty when complete)."""
        missing = []
        if not self.twilio_account_sid:
            missing.append("TWILIO_ACCOUNT_SID")
        if not self.twilio_auth_token:
            missing.append("TWILIO_AUTH_TOKEN")
        if not (self.twilio_from or self.twilio_messaging_service_sid):
            missing.append("TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID")
        return missing


LOG_FORMATS = ("text", "json")
TELEGRAM_CHAT = re.compile(r"^telegram:-?[0-9]{1,20}$")


def parse_oncall(value: str) -> tuple[str, ...]:
    """KITH_ONCALL's contacts, each normalised: an E.164 number or `telegram:<chat id>`.

    A bad entry is named by its position, never by its value (it may be a number).
    """
    contacts: list[str] = []
    for position, part in enumerate((p.strip() for p in value.split(",")), start=1):
        if not part:
            continue
        if part.lower().startswith("telegram:"):
            contact = "telegram:" + part.split(":", 1)[1].strip()
            if not TELEGRAM_CHAT.match(contact):
                raise SettingsError(
                    f"KITH_ONCALL entry {position} is not telegram:<chat id> (digits)"
                )
        else:
            number = to_e164(part.removeprefix("sms:"))
            if number is None:
                raise SettingsError(
                    f"KITH_ONCALL entry {position} is not a phone number or telegram:<chat id>"
                )
            contact = number
        if contact not in contacts:
            contacts.append(contact)
    return tuple(contacts)


def _read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


N = TypeVar("N", int, float)


def _number(name: str, value: str | None, kind: type[N]) -> N | None:
    """A positive number setting, or None when unset."""
    if value is None:
        return None
    try:
        number = kind(value)
    except ValueError:
        number = kind(0)
    if not number > 0 or number != number or number == float("inf"):
        raise SettingsError(f"{name} must be a positive {'whole ' if kind is int else ''}number")
    return number


def _check_url(name: str, value: str | None, schemes: tuple[str, ...]) -> str | None:
    if not value:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise SettingsError(f"{name} is not a valid URL ({'/'.join(schemes)} with a host)")
    return value.rstrip("/")


def load_settings(environ: dict[str, str] | None = None, dotenv: Path | None = None) -> Settings:
    """Build Settings from `environ` (default: the process environment) over a `.env` file."""
    env = dict(_read_dotenv(dotenv if dotenv is not None else Path(".env")))
    env.update(environ if environ is not None else os.environ)

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    database_url = get("KITH_DATABASE_URL") or DEFAULT_DATABASE_URL
    if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise SettingsError(
            "KITH_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
        )
    sid = get("TWILIO_ACCOUNT_SID")
    if sid and not (sid.startswith("AC") and len(sid) == 34):
        raise SettingsError("TWILIO_ACCOUNT_SID must be 34 characters starting with AC")
    token = get("TELEGRAM_BOT_TOKEN")
    if token and (":" not in token or not token.split(":", 1)[0].isdigit()):
        raise SettingsError("TELEGRAM_BOT_TOKEN must look like <digits>:<secret>")
    services_dir = get("KITH_SERVICES_DIR")
    if services_dir and not Path(services_dir).is_dir():
        raise SettingsError(f"KITH_SERVICES_DIR is not a folder: {services_dir}")
    clock = None
    if get("KITH_CLOCK"):
        try:
            clock = datetime.fromisoformat(get("KITH_CLOCK") or "")
        except ValueError:
            clock = None
        if clock is None or clock.tzinfo is None:
            raise SettingsError("KITH_CLOCK must be an ISO 8601 time with an offset")
    log_format = (get("KITH_LOG_FORMAT") or "text").lower()
    if log_format not in LOG_FORMATS:
        raise SettingsError(f"KITH_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
    return Settings(
        sms_rate=_number("KITH_SMS_RATE", get("KITH_SMS_RATE"), float),
        telegram_rate=_number("KITH_TELEGRAM_RATE", get("KITH_TELEGRAM_RATE"), float),
        send_concurrency=_number("KITH_SEND_CONCURRENCY", get("KITH_SEND_CONCURRENCY"), int),
        sms_price=_number("KITH_SMS_PRICE", get("KITH_SMS_PRICE"), float),
        backlog_limit_seconds=(
            _number("KITH_BACKLOG_LIMIT_SECONDS", get("KITH_BACKLOG_LIMIT_SECONDS"), int) or 300
        ),
        database_url=database_url,
        public_url=_check_url("KITH_PUBLIC_URL", get("KITH_PUBLIC_URL"), ("http", "https")),
        services_dir=Path(services_dir) if services_dir else None,
        default_service=get("KITH_DEFAULT_SERVICE"),
        oncall=parse_oncall(get("KITH_ONCALL") or ""),
        twilio_account_sid=sid,
        twilio_auth_token=get("TWILIO_AUTH_TOKEN"),
        twilio_from=get("TWILIO_FROM"),
        twilio_messaging_service_sid=get("TWILIO_MESSAGING_SERVICE_SID"),
        twilio_api_url=_check_url("TWILIO_API_URL", get("TWILIO_API_URL"), ("http", "https")),
        telegram_bot_token=token,
        telegram_webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
        telegram_api_url=_check_url("TELEGRAM_API_URL", get("TELEGRAM_API_URL"), ("http", "https")),
        postcode_api_url=_check_url(
            "KITH_POSTCODE_API_URL", get("KITH_POSTCODE_API_URL"), ("http", "https")
        ),
        clock=clock,
        staff=(get("KITH_STAFF") or "").strip() or None,
        log_format=log_format,
    )
