"""The composition root's list of channels: the one place that names them."""

from __future__ import annotations

from bot.settings import Settings
from bot.web.channel import Channel
from bot.web.sms import SmsChannel
from bot.web.telegram import TelegramChannel


def build_channels(settings: Settings, telegram: TelegramChannel | None = None) -> list[Channel]:
    """Every channel Kith has; each sends only when its credentials are set.

    `telegram`: the Telegram channel to use (`kith telegram poll` reads through it).
    """
    return [SmsChannel(settings), telegram or TelegramChannel(settings)]
