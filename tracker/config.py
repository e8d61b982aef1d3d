"""Configuration from the environment; secrets never live in the code."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

# What one request may send, sized to the largest form a page posts: a source's full text of
# 500,000 characters. In a multipart body a character takes at most 4 bytes; URL-encoded, as
# browsers send forms, at most 12 ("%F0%9F%98%80"), plus the source's other fields. No page
# uploads a file (`tracker import` reads files on the server's own disk).
LARGEST_TEXT = 500_000
REQUEST_LIMITS: dict[str, int] = {
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,  # 6 MB for the largest form, and some to spare
    "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,  # one multipart field: 4 bytes a character
    # A status update with 20 rows of evidence posts under 200 fields; a recommendation one
    # per actor it addresses.
    "MAX_FORM_PARTS": 1_000,
    # Before logging in, the only forms are the login and the first admin's: 64 KiB is ample.
    "MAX_ANONYMOUS_CONTENT_LENGTH": 64 * 1024,
}


def from_environment(instance_path: str) -> dict[str, Any]:
    """Read `TRACKER_*` variables, with development defaults in the instance folder."""
    instance = Path(instance_path)
    return {
        "DATABASE_URL": os.environ.get("TRACKER_DATABASE_URL")
        or f"sqlite:///{instance / 'tracker.sqlite3'}",
        "SECRET_KEY": os.environ.get("TRACKER_SECRET_KEY") or instance_secret_key(instance),
        # Where users reach the site, for links printed on the console; unset, the address
        # the site is served on.
        "BASE_URL": os.environ.get("TRACKER_BASE_URL") or None,
        # A recommendation is due for review after this many days without an update or a
        # review, unless an editor gives it its own cadence.
        "REVIEW_EVERY_DAYS": int(os.environ.get("TRACKER_REVIEW_EVERY_DAYS", "90")),
        # Host names the site answers to, comma-separated; any other Host header gets 400.
        "TRUSTED_HOSTS": [
            host.strip()
            for host in os.environ.get("TRACKER_TRUSTED_HOSTS", "").split(",")
            if host.strip()
        ]
        or None,
        # How many reverse proxies stand in front: their X-Forwarded-For/Proto/Host are trusted.
        "PROXY_FIX": int(os.environ.get("TRACKER_PROXY_FIX", "0")),
        # Served over HTTPS: cookies are then never sent over plain HTTP.
        "SESSION_COOKIE_SECURE": os.environ.get("TRACKER_HTTPS", "0") == "1",
        "IDLE_TIMEOUT_MINUTES": int(os.environ.get("TRACKER_IDLE_TIMEOUT_MINUTES", "120")),
        "SESSION_HOURS": int(os.environ.get("TRACKER_SESSION_HOURS", "12")),
        # Shared by every process, for login throttling; without it each process counts alone.
        "REDIS_URL": os.environ.get("TRACKER_REDIS_URL") or None,
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get(
            "TRACKER_LOGIN_LIMIT_PER_ACCOUNT", "5 per minute; 20 per hour"
        ),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get(
            "TRACKER_LOGIN_LIMIT_PER_ADDRESS", "30 per minute"
        ),
        # Each web process keeps rendered pages up to this many megabytes, 256 pages at most.
        "PAGE_CACHE_MB": int(os.environ.get("TRACKER_PAGE_CACHE_MB", "16")),
        # The public site (README, "Publishing"): anonymous readers see published sources.
        "PUBLIC": os.environ.get("TRACKER_PUBLIC", "0") == "1",
        # Updates reach the public once an editor other than their author approves them.
        "PUBLIC_REVIEW": os.environ.get("TRACKER_PUBLIC_REVIEW", "1") != "0",
        # How analysts are shown to the public: "name", "role" or "none".
        "PUBLIC_AUTHORS": os.environ.get("TRACKER_PUBLIC_AUTHORS", "role"),
        # How long a CDN (s-maxage) and a browser (max-age) may keep a public page, seconds.
        "PUBLIC_S_MAXAGE": int(os.environ.get("TRACKER_PUBLIC_S_MAXAGE", "300")),
        "PUBLIC_MAX_AGE": int(os.environ.get("TRACKER_PUBLIC_MAX_AGE", "60")),
        # Origins whose pages may frame the embed routes, space- or comma-separated.
        "EMBED_ORIGINS": origins(os.environ.get("TRACKER_EMBED_ORIGINS", "")),
        # E-mail: off without an SMTP server (see tracker/mail/smtp.py for the URL's forms).
        "SMTP_URL": os.environ.get("TRACKER_SMTP_URL") or None,
        "MAIL_FROM": os.environ.get("TRACKER_MAIL_FROM") or None,
        # The task queue's SQLite file, when TRACKER_REDIS_URL does not name Redis for it.
        "QUEUE_PATH": os.environ.get("TRACKER_QUEUE_PATH") or str(instance / "queue.sqlite3"),
        # Digests and review-due reminders go out at this hour, UTC.
        "MAIL_DIGEST_HOUR": int(os.environ.get("TRACKER_MAIL_DIGEST_HOUR", "7")),
        # A failed send is tried again after this many seconds, doubled each time, this many
        # times in all; a worker that claims an e-mail holds it this long before another may.
        "MAIL_RETRY_SECONDS": int(os.environ.get("TRACKER_MAIL_RETRY_SECONDS", "60")),
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("TRACKER_MAIL_MAX_ATTEMPTS", "8")),
        "MAIL_CLAIM_SECONDS": int(os.environ.get("TRACKER_MAIL_CLAIM_SECONDS", "300")),
    }


def origins(text: str) -> list[str]:
    """Read a list of origins such as `https://example.org`, refusing anything else."""
    found = [item.rstrip("/") for item in text.replace(",", " ").split()]
    for origin in found:
        scheme, _, host = origin.partition("://")
        if scheme not in ("http", "https") or not host or "/" in host or "'" in host:
            raise ValueError(
                f"TRACKER_EMBED_ORIGINS: {origin!r} is not an origin like https://example.org"
            )
    return found


def instance_secret_key(instance: Path) -> str:
    """Generate a development secret key once and keep it in the instance folder."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together must not write different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_hex(32))
    return path.read_text().strip()
