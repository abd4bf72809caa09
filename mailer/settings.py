"""Every setting in one place, read from INFOLETTRE_* environment variables.

The defaults are the embedded ones: a SQLite file, a broker in a SQLite file and a
Maildir outbox in the working folder, so that nothing has to be installed to try it.
Production sets the database, broker, SMTP relay and Redis URLs.
"""

from __future__ import annotations

import secrets
from functools import cached_property, lru_cache
from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mailer.settings_problems import read


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INFOLETTRE_", extra="ignore")

    # Where the embedded defaults keep their files (database, broker, outbox, secret).
    home: Path = Path(".infolettre")

    database_url: str = ""  # empty: sqlite file in `home`
    broker_url: str = ""  # empty: kombu's SQLAlchemy transport on a sqlite file in `home`
    redis_url: str = ""  # shared rate limits and counters when set
    smtp_url: str = ""  # smtp://user:pass@host:587?starttls=1 ; empty: Maildir outbox
    bounce_imap_url: str = ""

    secret_key: str = ""  # empty: generated once and kept in `home`
    base_url: str = "http://127.0.0.1:8000"  # public URL of the web app (links in emails)
    site_origin: str = "http://127.0.0.1:8000"  # the network's website, allowed by CORS

    issues_dir: Path = Path("issues")  # where the console finds the issue files
    console_timezone: str = "Europe/Paris"  # times shown in the console
    console_session_hours: float = 12  # a console session ends after this long unused
    console_upload_max_bytes: int = 20 * 1024 * 1024  # a subscriber CSV uploaded in the console
    languages: list[str] = Field(default_factory=lambda: ["fr", "en"])
    # The email's HTML as sent may weigh this much before long articles are summarised in
    # it (mailer/length.py); Gmail clips past 102 KB.
    email_html_budget_kb: float = 95
    default_language: str = "fr"  # a visitor's language when nothing says otherwise
    # Whose words fill in what a language lacks (a catalogue's key, a whole catalogue): one
    # understood by most readers of a newly added language.
    fallback_language: str = "en"
    catalogues_dir: str = ""  # extra catalogues: <dir>/{email,pages,console}/<language>.yaml

    from_address: str = "infolettre@reseaucitesdesmetiers.example"
    from_name: str = "Réseau international des Cités des métiers"
    reply_to: str = "info@reseaucitesdesmetiers.example"
    list_id: str = "infolettre.reseaucitesdesmetiers.example"
    bounce_domain: str = "reseaucitesdesmetiers.example"

    # Signup abuse limits (Flask-Limiter syntax); shared through Redis when redis_url is set.
    rate_limits: bool = True  # off for load benchmarks
    signup_limit_per_ip: str = "30/hour;10/minute"
    signup_limit_per_address: str = "5/hour"
    confirm_resends_per_hour: int = 3  # confirmation emails to one address, at most
    check_email_dns: bool = False  # email-validator's deliverability (DNS) check
    proxies: int = 0  # reverse proxies in front of the web app whose X-Forwarded-* to trust

    # DKIM: signing is on when a PEM private key (RSA or Ed25519) is given. Or leave DKIM to
    # the relay and keep these empty.
    dkim_key_file: str = ""
    dkim_selector: str = "infolettre"
    dkim_domain: str = ""  # empty: the domain of from_address

    # The relay's quota, across all workers (0: none).
    send_rate_per_second: int = 0
    send_rate_per_hour: int = 0

    # Bounces (mailer/bounces/policy.py): soft bounces count one point per campaign; the
    # score starts again after `bounce_window_days` without one (longer than the time between
    # two issues); reaching the threshold (soft bounces from three issues) suppresses.
    bounce_score_threshold: float = 3.0
    bounce_window_days: int = 180
    bounce_poll_seconds: int = 300
    bounce_keep_days: int = 90  # the raw message of a bounce is kept this long
    # Recipients of one receiving domain whose delivery expired in one campaign from which on
    # the expirations are the path's (the network, our IP's standing), not each mailbox's.
    bounce_domain_outage: int = 5
    # A report that our signed VERP address does not tie to a message (a DSN or an ARF
    # report sent to the plain bounce address, a provider's webhook) counts only for an
    # address we sent to in the last `bounce_sent_days` days (mailer/bounces/provenance.py).
    bounce_sent_days: int = 30
    # Circuit breaker (mailer/bounces/breaker.py): a campaign pauses itself, with the reason,
    # when the relay refuses this many recipients in a row (no acceptance between, counted
    # across all workers and batches of the campaign) for reasons that are not the address's,
    # or this share of all the campaign's answers once it has `breaker_min_batch` of them
    # (counted again from each resume); a refused MAIL FROM or a failed login pauses at once.
    breaker_in_a_row: int = 5
    breaker_share: float = 0.2
    breaker_min_batch: int = 20
    # This many refusals in a row saying "no such address" (no acceptance between) is no
    # real list but a relay's misconfiguration: pause, and restore the addresses suppressed.
    breaker_hard_in_a_row: int = 10
    # Relay webhooks (POST /webhooks/<provider>); a provider without its secret is refused.
    # SES via SNS: the accepted topics (a JSON list); none: SES webhooks are refused.
    sns_topic_arns: list[str] = Field(default_factory=list)
    postmark_webhook_password: str = ""  # Postmark: HTTP Basic password in the webhook URL
    mailgun_signing_key: str = ""  # Mailgun: HMAC key of its webhook signatures

    # Sending: a row a worker holds in `sending` longer than this belongs to a dead worker.
    send_lease_seconds: int = 120
    # Deliveries per batch task (one SMTP connection each): what one worker takes at a time.
    send_batch_size: int = Field(default=500, ge=1, le=100_000)
    sweep_interval_seconds: int = 60  # beat: start due campaigns, recover from crashes
    # Seconds before each new try while the relay is unavailable or a recipient's server
    # says "later" (4xx); the last one repeats for as long as the relay stays down.
    send_retry_seconds: list[int] = Field(default_factory=lambda: [10, 30, 60, 120, 300])

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, codes: list[str]) -> list[str]:
        """At least one language, each code in small letters as catalogues and issues
        write it (`fr`, not `FR`): ValueError otherwise."""
        if not codes:
            raise ValueError('give at least one language, e.g. \'["fr","en"]\'')
        capitals = [code for code in codes if code != code.lower()]
        if capitals:
            raise ValueError(f"write language codes in small letters: "
                             f"{', '.join(map(str.lower, capitals))}")
        return codes

    @field_validator("default_language")
    @classmethod
    def _one_of_the_languages(cls, code: str, info: ValidationInfo) -> str:
        """A visitor's language is among `languages` (validated before it, absent from
        `info.data` when refused): ValueError otherwise. Not the fallback language: its
        catalogues fill in a list that does not offer it (`en` for a French-only list)."""
        languages = info.data.get("languages")
        if languages and code not in languages:
            name = f"INFOLETTRE_{info.field_name.upper()}"
            raise ValueError(f"not one of INFOLETTRE_LANGUAGES ({', '.join(languages)}): "
                             f"write one of them, e.g. {name}={languages[0]}")
        return code

    @property
    def sqlite_path(self) -> Path:
        return self.home / "infolettre.db"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"

    @property
    def broker(self) -> str:
        return self.broker_url or f"sqla+sqlite:///{self.home / 'broker.db'}"

    @property
    def outbox(self) -> Path:
        return self.home / "outbox"

    @cached_property  # read once: every link and return path of a send is signed with it
    def secret(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.home / "secret_key"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of the environment; SettingInvalid names a value that cannot be read."""
    return read(Settings, Settings.model_fields)
