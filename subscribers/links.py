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


def campaign_links(subscriber_id: int, key: str,
                   campaign_id: int) -> tuple[dict[str, str], dict[str, str]]:
    """One recipient's links in a campaign's email, each token signed once: the body's
    (unsubscribe_url, preferences_url) and the RFC 2369/8058 headers. The same values as
    the functions above give, for the cost of two signatures."""
    unsubscribe, preferences = tokens.make_campaign_pair(subscriber_id, key, campaign_id)
    base = _base()
    urls = {"unsubscribe_url": f"{base}/unsubscribe/{unsubscribe}",
            "preferences_url": f"{base}/preferences/{preferences}"}
    return urls, _headers(urls["unsubscribe_url"],
                          f"{MAILTO_PREFIX}{unsubscribe}@{get_settings().bounce_domain}")


def view_online_url(issue_slug: str, language: str) -> str:
    return f"{_base()}/archive/{issue_slug}/{language}"


def demo_links(language: str) -> dict[str, str]:
    """The opt-out links of a test send or a preview: pages that show, in `language`, what
    a reader would get there, and change nothing."""
    return {f"{kind}_url": f"{_base()}/demo/{kind}?lang={language}"
            for kind in ("unsubscribe", "preferences")}


def list_unsubscribe_headers(subscriber_id: int, key: str,
                             campaign_id: int | None = None) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers for one recipient: one-click https POST, and mailto."""
    return _headers(unsubscribe_url(subscriber_id, key, campaign_id),
                    unsubscribe_mailto(subscriber_id, key, campaign_id))


def _headers(url: str, mailto: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>, <mailto:{mailto}?subject=unsubscribe>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
