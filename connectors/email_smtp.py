"""Sending the office's email replies with aiosmtplib.

:class:`SmtpSender` builds one UTF-8 ``text/plain`` message per :class:`~connectors.base.OutgoingReply`
with our own Message-ID and the threading headers (In-Reply-To, References) a mail client needs to put
the answer under the citizen's mail, and hands it to the configured submission server.

Errors map onto ``inbox.errors``: refused credentials → AuthError; no connection, timeouts and 4xx
answers → TransientError; 5xx answers (recipient or message refused) and unusable replies →
PermanentError. Error messages carry SMTP codes, never the message text or addresses.
"""

from __future__ import annotations

import logging
import re
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Literal, get_args

import aiosmtplib

from connectors.base import OutgoingReply, SendResult
from inbox.errors import AuthError, ConfigError, PermanentError, TransientError

log = logging.getLogger(__name__)

TlsMode = Literal["none", "starttls", "tls"]
_MSGID = re.compile(r"^<[^<>\s]+@[^<>\s]+>$")


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and as whom to submit mail.

    ``tls``: ``"starttls"`` (submission, port 587), ``"tls"`` (implicit TLS, port 465) or ``"none"``
    (plain; only for a relay on a trusted network or tests). ``message_id_domain`` defaults to the
    domain of ``from_address``. ``ssl_context`` replaces the system trust store (a private CA).
    """

    host: str
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    from_address: str = ""
    from_name: str = ""
    tls: TlsMode = "starttls"
    timeout: float = 30.0
    message_id_domain: str = ""
    default_subject: str = "Svar fra Nav"
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)


def _msgid(value: str) -> str:
    """A Message-ID in angle brackets; anything that is not one is refused (no header injection)."""
    value = value.strip()
    if value and not value.startswith("<"):
        value = f"<{value}>"
    if not _MSGID.match(value):
        raise PermanentError("the reply refers to a malformed Message-ID")
    return value


class SmtpSender:
    """Sends :class:`OutgoingReply` objects as email."""

    def __init__(self, settings: SmtpSettings) -> None:
        if settings.tls not in get_args(TlsMode):
            raise ConfigError(f"SMTP tls must be one of {', '.join(get_args(TlsMode))}, not {settings.tls!r}")
        if "@" not in settings.from_address:
            raise ConfigError("SMTP from_address must be an email address")
        if bool(settings.user) != bool(settings.password):
            raise ConfigError("SMTP user and password must be given together")
        self.settings = settings
        self._from = Address(display_name=settings.from_name, addr_spec=settings.from_address)
        self._domain = settings.message_id_domain or settings.from_address.rpartition("@")[2]

    @property
    def from_address(self) -> str:
        return self.settings.from_address

    def build(self, reply: OutgoingReply) -> EmailMessage:
        """The message that :meth:`send` submits (also useful to preview or archive)."""
        to = reply.to.strip()
        if not to or "@" not in to:
            raise PermanentError("an email reply needs the recipient's email address")
        msg = EmailMessage(policy=policy.default)
        try:
            msg["From"] = self._from
            msg["To"] = to
            msg["Subject"] = reply.subject or self.settings.default_subject
            msg["Date"] = format_datetime(datetime.now(UTC))
            msg["Message-ID"] = make_msgid(domain=self._domain)
            refs = [_msgid(r) for r in reply.references if r.strip()]
            if reply.in_reply_to:
                parent = _msgid(reply.in_reply_to)
                msg["In-Reply-To"] = parent
                if parent not in refs:
                    refs.append(parent)
            if refs:
                msg["References"] = " ".join(refs)
            # Marks our own mail when it comes back (Sent folder, Bcc to the inbox): see parse_email_bytes.
            msg["X-Flerkanal-Direction"] = "out"
        except (ValueError, TypeError, IndexError) as exc:  # CR/LF in a header, an unusable address
            raise PermanentError(f"the reply cannot be made into an email ({type(exc).__name__})") from exc
        # Quoted-printable keeps the UTF-8 body 7-bit clean for servers without 8BITMIME.
        msg.set_content(reply.body, charset="utf-8", cte="quoted-printable")
        return msg

    async def send(self, reply: OutgoingReply) -> SendResult:
        msg = self.build(reply)
        s = self.settings
        message_id = str(msg["Message-ID"])
        try:
            await aiosmtplib.send(
                msg,
                sender=s.from_address,
                recipients=[reply.to.strip()],
                hostname=s.host,
                port=s.port,
                username=s.user or None,
                password=s.password or None,
                use_tls=s.tls == "tls",
                start_tls=s.tls == "starttls",
                timeout=s.timeout,
                tls_context=s.ssl_context,
            )
        except Exception as exc:
            raise _map_error(exc, s) from exc
        log.info("email sent via %s:%s", s.host, s.port)
        return SendResult(provider_key=message_id, status="sent", conversation=reply.conversation)


def _by_code(code: int, what: str) -> PermanentError | TransientError:
    if code >= 500:
        return PermanentError(f"SMTP server refused {what} ({code})")
    return TransientError(f"SMTP server deferred {what} ({code})")


def _map_error(exc: Exception, s: SmtpSettings) -> Exception:
    where = f"{s.host}:{s.port}"
    if isinstance(exc, ssl.SSLCertVerificationError) or isinstance(exc.__cause__, ssl.SSLCertVerificationError):
        return PermanentError(f"SMTP server {where} presented an untrusted certificate")
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return AuthError(f"SMTP server {where} refused the credentials ({exc.code})")
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients] or [550]
        return _by_code(min(codes), "the recipient")
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused):
        return _by_code(exc.code, "the recipient")
    if isinstance(exc, aiosmtplib.SMTPSenderRefused):
        return _by_code(exc.code, "the sender address")
    if isinstance(exc, aiosmtplib.SMTPDataError):
        return _by_code(exc.code, "the message")
    if isinstance(exc, aiosmtplib.SMTPConnectError | aiosmtplib.SMTPTimeoutError
                  | aiosmtplib.SMTPServerDisconnected):
        return TransientError(f"SMTP server {where} unreachable ({type(exc).__name__})")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _by_code(exc.code, "the request")
    if isinstance(exc, aiosmtplib.SMTPNotSupported) or (
            type(exc) is aiosmtplib.SMTPException and "not supported" in str(exc)):
        # STARTTLS or AUTH not offered: retrying will not help, the settings must change.
        return PermanentError(f"SMTP server {where} lacks a needed extension (check the tls setting)")
    if isinstance(exc, aiosmtplib.SMTPException | OSError | TimeoutError):
        return TransientError(f"SMTP send to {where} failed ({type(exc).__name__})")
    return exc
