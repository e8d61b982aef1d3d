"""The SMTP server Tracker sends through, from TRACKER_SMTP_URL.

- `smtp://user:password@host:587`: STARTTLS, required. A server that does not offer it (or a
  network that strips the offer) gets no message and no password: the attempt fails, saying
  why, and is retried like any other failure.
- `smtps://user:password@host:465`: TLS from the first byte.
- `smtp://127.0.0.1:1025?tls=none`: plain SMTP, for a test or development server on this
  machine. Only a loopback host may be named so; any other host is refused when the URL is read.

Certificates are checked against the system's trusted roots and the host name. User and
password are optional and percent-encoded in the URL.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

TIMEOUT_SECONDS = 30
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class MailConfigError(ValueError):
    """TRACKER_SMTP_URL cannot be used as it is."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # "starttls", "tls" or "none"
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise MailConfigError(f"TRACKER_SMTP_URL is not a URL: {error}") from None
        if parts.scheme not in ("smtp", "smtps"):
            raise MailConfigError("TRACKER_SMTP_URL must start with smtp:// or smtps://")
        host = parts.hostname
        if not host:
            raise MailConfigError("TRACKER_SMTP_URL names no host")
        query = parse_qs(parts.query, keep_blank_values=True)
        if set(query) - {"tls"}:
            unknown = ", ".join(sorted(set(query) - {"tls"}))
            raise MailConfigError(f"TRACKER_SMTP_URL: unknown option {unknown}")
        security = "tls" if parts.scheme == "smtps" else "starttls"
        if query.get("tls") == ["none"]:
            if parts.scheme == "smtps":
                raise MailConfigError("TRACKER_SMTP_URL: smtps:// always uses TLS")
            if not is_loopback(host):
                raise MailConfigError(
                    "TRACKER_SMTP_URL: tls=none is only for a server on this machine "
                    "(127.0.0.1, ::1 or localhost)"
                )
            security = "none"
        elif "tls" in query:
            raise MailConfigError("TRACKER_SMTP_URL: the only tls option is tls=none")
        return cls(
            host=host,
            port=port or DEFAULT_PORTS[security],
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def describe(self) -> str:
        """Say where mail goes, without the password."""
        how = {"starttls": "STARTTLS", "tls": "TLS", "none": "no TLS (loopback only)"}
        user = f"{self.username}@" if self.username else ""
        return f"{user}{self.host}:{self.port}, {how[self.security]}"

    def connect(self) -> smtplib.SMTP:
        """Open a connection, secured as the URL says, and log in if it names a user."""
        context = ssl.create_default_context()
        connection: smtplib.SMTP
        if self.security == "tls":
            connection = smtplib.SMTP_SSL(
                self.host, self.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        try:
            connection.ehlo()
            if self.security == "starttls":
                if not connection.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError(
                        "the server offers no STARTTLS: nothing is sent over plain SMTP"
                    )
                connection.starttls(context=context)
                connection.ehlo()
            if self.username is not None:
                connection.login(self.username, self.password or "")
        except BaseException:
            connection.close()
            raise
        return connection
