"""The web app: one Flask app, each concern a blueprint listed here.

CSRF protection is global (Flask-WTF); views called by machines (RFC 8058 one-click POST,
webhooks, the JSON signup) are exempted by their blueprint. Rate limits are Flask-Limiter's,
kept in Redis when `INFOLETTRE_REDIS_URL` is set so that every worker process shares them.
"""

from __future__ import annotations

import importlib
from datetime import timedelta

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from mailer import web_errors
from mailer.settings import Settings, get_settings

# "module:attribute" of each blueprint
BLUEPRINTS = ["subscribers.web_signup:bp", "subscribers.web_links:bp",
              "mailer.bounces.webhooks:bp", "mailer.archive:bp", "mailer.images:bp",
              "mailer.console.base:bp"]
# Modules that add routes to a blueprint above, imported before it is registered.
EXTENSIONS = [f"mailer.console.{name}" for name in (
    "views", "preview", "issue_files", "sends", "campaign_page", "history", "views_subscribers",
    "subscriber_edit", "bounces", "staff", "editor", "drafts", "images")]

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret,
        SETTINGS=settings,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session cookie
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.console_session_hours),
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        # Over https the __Host- prefix makes the browser refuse the cookie from a subdomain
        # or over plain http (no cookie tossing).
        SESSION_COOKIE_NAME="__Host-session" if settings.base_url.startswith("https://")
        else "session",
        RATELIMIT_ENABLED=settings.rate_limits,
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        # Redis down: count in memory for a while rather than refuse every signup.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    if settings.proxies:
        # Only behind a known proxy is X-Forwarded-For the client's IP (else anyone forges it).
        n = settings.proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    from mailer.catalogue import JINJA_FILTERS

    app.jinja_env.filters.update(JINJA_FILTERS)
    # First: an over-long URL or a control character is refused before the CSRF check
    # and the rate limits read the request.
    web_errors.install(app)
    csrf.init_app(app)
    limiter.init_app(app)
    app.after_request(_security_headers)
    for module in EXTENSIONS:
        importlib.import_module(module)
    for target in BLUEPRINTS:
        module, attribute = target.split(":")
        blueprint = getattr(importlib.import_module(module), attribute)
        if blueprint.name == "webhooks":  # machine calls, proven by their own signatures
            csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    return app


def _security_headers(response):
    # Signed tokens are in our URLs: never send them on as a Referer, never cache them;
    # no framing, so that nobody overlays the unsubscribe button.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Cache-Control", "no-store")
    return response
