"""The public URLs put in emails. The web app's routes answer exactly these paths."""

from __future__ import annotations

from mailer.settings import get_settings
from subscribers import tokens

MAILTO_PREFIX = "unsubscribe+"


def _base() -> str:
    return get_settings().base_url.rstrip("/")


def confirm_url(subscriber_id: int, key: str) -> str:
    return f"{_base()}/confirm/{tokens.make(tokens.CONFIRM, subscriber_id, key)}"


# `key` is the subscriber's link_key (every token is bound to it). The links of a campaign's
# email carry its id, so that leaving is counted against the issue.


def unsubscribe_url(subscriber_id: int, key: str, campaign_id: int | None = None) -> str:
    """GET shows a one-button page; POST (RFC 8058 one-click) unsubscribes at once."""
    token = tokens.make(tokens.UNSUBSCRIBE, subscriber_id, key, campaign_id)
    return f"{_base()}/unsubscribe/{token}"


def preferences_url(subscriber_id: int, key: str, campaign_id: int | None = None) -> str:
    token = tokens.make(tokens.PREFERENCES, subscriber_id, key, campaign_id)
    return f"{_base()}/preferences/{token}"


def unsubscribe_mailto(subscriber_id: int, key: str, campaign_id: int | None = None) -> str:
    """The List-Unsubscribe mailto address: the signed token in the local part."""
    token = tokens.make(tokens.UNSUBSCRIBE, subscriber_id, key, campaign_id)
    return f"{MAILTO_PREFIX}{token}@{get_settings().bounce_domain}"


def view_online_url(issue_slug: str, language: str) -> str:
    return f"{_base()}/archive/{issue_slug}/{language}"


def list_unsubscribe_headers(subscriber_id: int, key: str,
                             campaign_id: int | None = None) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers for one recipient: one-click https POST, and mailto."""
    return {
        "List-Unsubscribe": (
            f"<{unsubscribe_url(subscriber_id, key, campaign_id)}>, "
            f"<mailto:{unsubscribe_mailto(subscriber_id, key, campaign_id)}?subject=unsubscribe>"
        ),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
