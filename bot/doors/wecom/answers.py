"""What WeCom's refusals mean to the outbox: worth trying again later (SendFailed), or never as
things stand (Undeliverable), with the setting to fix when it is one."""

from __future__ import annotations

from bot.config.settings import SettingsError
from bot.doors.wecom.transport import WecomError, WecomTransportError
from bot.outbox.deliveries import SendFailed, Undeliverable

LATER = {  # errcode -> seconds to wait (None: the outbox's backoff)
    -1: None,  # system busy
    40014: None, 42001: None,  # the token turned down even once renewed
    45009: 60.0,  # over a frequency limit: WeCom blocks the minute's calls for 60 s
    45033: 1.0,  # too many calls at once
}
SETUP = {  # errcode -> what to fix
    40013: "WECOM_CORP_ID", 40001: "WECOM_SECRET", 40056: "WECOM_AGENT_ID", 93000: "WECOM_WEBHOOK_URL",
    48002: "the app's API permissions in the WeCom admin console",
    60020: "the app's trusted IPs in the WeCom admin console: add this server's address",
}
NEVER = {40003, 40004, 40008, 40009, 40031, 40032, 40035, 40058, 44004, 81013}  # the message or its users


def failure(err: Exception) -> SendFailed | Undeliverable:
    """The outbox's reading of `err`: a WecomError, a WecomTransportError or a SettingsError."""
    if isinstance(err, WecomTransportError):
        return SendFailed(err.reason, unsure=err.timed_out)
    if isinstance(err, SettingsError):
        return Undeliverable(f"{err.fields.get('reason')} (check {err.fields.get('variable')})")
    if not isinstance(err, WecomError) or err.errcode in LATER:
        return SendFailed(str(err), retry_after=LATER.get(getattr(err, "errcode", None)))
    if err.errcode in SETUP:
        return Undeliverable(f"{err} (check {SETUP[err.errcode]})")
    if err.errcode in NEVER:
        return Undeliverable(str(err))
    return SendFailed(str(err))  # not known: tried again a few times, then failed
