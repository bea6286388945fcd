"""The one WebClient the app uses, built from settings."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.config import Settings

TIMEOUT_SECONDS = 10


def web_client(settings: Settings, *, retry_rate_limits: bool = True) -> WebClient:
    """A client for interactive replies.

    It retries a 429 after Retry-After, but never a dropped connection: slack_sdk's default
    connection retry can post a message twice when Slack received it before the drop. The
    reminder dispatcher builds its own client with no retries at all; its ledger decides.
    """
    handlers: list[RetryHandler] = (
        [RateLimitErrorRetryHandler(max_retry_count=2)] if retry_rate_limits else []
    )
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=handlers,
    )
