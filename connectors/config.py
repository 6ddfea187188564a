"""The sync configuration: one TOML file plus environment variables, turned into connectors.

Where the file is
    ``--config FILE``, else ``$INBOX_CONFIG``, else ``config.toml`` in the user config directory
    (``platformdirs.user_config_dir("flerkanal")``, e.g. ``~/.config/flerkanal/config.toml``).

Sections
    ``[sms]`` (Twilio), ``[email]`` (IMAP in, SMTP out), ``[dialog]`` (the activity plan's dialogue) and
    ``[sync]`` (pacing, metrics). A connector runs when its section is present (and not
    ``enabled = false``). Unknown sections and keys are refused, with the closest known key suggested.
    docs/configuration.md lists every key.

Secrets
    Never in the file: the Twilio auth token, the IMAP and SMTP passwords and the dialogue token are read
    from an environment variable (``*_env``, naming the variable, with a default name) or a file
    (``*_file``, e.g. a mounted secret; surrounding whitespace is stripped). A secret written into the
    file itself is refused. Secrets are read only by :meth:`SyncConfig.build`; error messages name the
    key, the variable or the path, never the value.

Environment overrides
    ``INBOX_<SECTION>__<KEY>`` overrides one key, e.g. ``INBOX_SMS__WEBHOOK_PORT=8081`` or
    ``INBOX_DIALOG__FOLLOWED='["12345678901"]'`` (a value starting with ``[`` is read as a TOML array;
    others are plain strings converted to the key's type).

This module only reads configuration and builds connectors; it stores and sends nothing.
"""

from __future__ import annotations

import logging
import os
import ssl
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import platformdirs

from connectors.activity_plan import ActivityPlanConnector, ActivityPlanSettings
from connectors.base import Connector
from connectors.config_schema import (
    CONNECTOR_SECTIONS,
    SMTP_PASSWORD_ENV,
    DialogSection,
    EmailSection,
    SmsSection,
    SyncSection,
    validate_sections,
)
from connectors.email_imap import EmailConnector, ImapConnector, ImapSettings
from connectors.email_smtp import SmtpSettings
from connectors.sms_twilio import TwilioConnector, TwilioSettings
from connectors.sync import SyncOptions, WebhookOptions
from inbox.errors import ConfigError
from inbox.identity import fnr_is_valid
from inbox.paths import APP

log = logging.getLogger(__name__)

CONFIG_ENV = "INBOX_CONFIG"
def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"


def find_config(explicit: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Path | None:
    """The config file to read: ``explicit``, else ``$INBOX_CONFIG``, else the default path when it exists."""
    env = os.environ if env is None else env
    for given, what in ((explicit, "--config"), (env.get(CONFIG_ENV), CONFIG_ENV)):
        if given:
            path = Path(given).expanduser()
            if not path.is_file():
                raise ConfigError(f"the config file {path} (from {what}) does not exist; create it "
                                  "(see docs/configuration.md) or point to another file")
            return path
    default = default_config_path()
    return default if default.is_file() else None


@dataclass(frozen=True)
class ConnectorInfo:
    """What ``inbox connectors`` shows about a configured connector: no secrets."""

    name: str
    channel: str
    target: str
    secrets: str  # where its secrets come from ("env TWILIO_AUTH_TOKEN", "file /run/secrets/x")
    problem: str = ""  # a secret that cannot be read, or an invalid setting; empty when fine


@dataclass(frozen=True)
class Built:
    """The connectors of a configuration, ready to run."""

    connectors: dict[str, Connector]
    options: SyncOptions
    webhook: WebhookOptions | None
    poll_seconds: dict[str, float]


@dataclass(frozen=True)
class SyncConfig:
    """A validated configuration; :meth:`build` reads the secrets and makes the connectors."""

    path: Path | None
    sms: SmsSection | None = None
    email: EmailSection | None = None
    dialog: DialogSection | None = None
    sync: SyncSection = SyncSection()
    env: Mapping[str, str] | None = None

    @property
    def names(self) -> list[str]:
        return [n for n in CONNECTOR_SECTIONS if getattr(self, n) is not None]

    def options(self) -> SyncOptions:
        s = self.sync
        if s.backoff_max < s.backoff_initial:
            raise ConfigError("[sync] backoff_max must be at least backoff_initial")
        return SyncOptions(poll_seconds=s.poll_seconds, backoff_initial=s.backoff_initial, backoff_max=s.backoff_max,
                           pull_timeout=s.pull_timeout, once_attempts=s.once_attempts, metrics_host=s.metrics_host,
                           metrics_port=s.metrics_port, snapshot_seconds=s.snapshot_seconds)

    def _env(self) -> Mapping[str, str]:
        return os.environ if self.env is None else self.env

    # -- secrets ---------------------------------------------------------------------------------------
    def _secret(self, section: str, what: str, env_key: str, env_name: str, file_key: str,
                file_path: Path | None) -> str:
        if file_path is not None:
            path = self._resolve(file_path)
            try:
                mode = path.stat().st_mode
                value = path.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
                raise ConfigError(f"[{section}] {file_key}: cannot read the {what} from {path} ({reason})") from exc
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                log.warning("[%s] %s: %s is readable by other users; chmod 600 it", section, file_key, path)
            if not value:
                raise ConfigError(f"[{section}] {file_key}: {path} is empty; it must hold the {what}")
            return value
        value = self._env().get(env_name, "").strip()
        if not value:
            raise ConfigError(f"[{section}] the {what} is read from the environment variable {env_name}, which is "
                              f"not set: export {env_name}=…, set {env_key} to another variable, or set "
                              f"{file_key} to a file that holds it")
        return value

    def _resolve(self, path: Path) -> Path:
        """Relative paths in the file are relative to the file's directory."""
        path = path.expanduser()
        if not path.is_absolute() and self.path is not None:
            path = self.path.parent / path
        return path

    # -- building ---------------------------------------------------------------------------------------
    def _ssl_context(self, section: str, ca_file: Path | None) -> ssl.SSLContext | None:
        if ca_file is None:
            return None
        path = self._resolve(ca_file)
        try:
            return ssl.create_default_context(cafile=str(path))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"[{section}] ca_file: cannot load certificates from {path} "
                              f"({type(exc).__name__})") from exc

    def twilio_settings(self) -> TwilioSettings:
        s = self.sms
        assert s is not None
        token = self._secret("sms", "Twilio auth token", "auth_token_env", s.auth_token_env, "auth_token_file",
                             s.auth_token_file)
        if s.start is not None and s.start.tzinfo is None:
            raise ConfigError("[sms] start needs a time zone, e.g. 2024-01-01T00:00:00Z")
        public = s.public_url.rstrip("/") if s.public_url else None
        return TwilioSettings(account_sid=s.account_sid, auth_token=token, from_number=s.from_number,
                              status_callback_url=f"{public}/status" if public else None,
                              api_base_url=s.api_base_url, page_size=s.page_size, start=s.start,
                              inbound_only=s.inbound_only, timeout=s.timeout)

    def webhook_options(self, token: str) -> WebhookOptions | None:
        s = self.sms
        if s is None or not s.public_url:
            return None
        if not s.public_url.startswith(("https://", "http://")):
            raise ConfigError("[sms] public_url must be the full URL Twilio calls, e.g. "
                              "https://inbox.example.no/twilio")
        return WebhookOptions(auth_token=token, public_url=s.public_url.rstrip("/"), account_sid=s.account_sid,
                              host=s.webhook_host, port=s.webhook_port)

    def imap_settings(self) -> ImapSettings:
        e = self.email
        assert e is not None
        if e.imap_ssl and e.imap_starttls:
            raise ConfigError("[email] imap_ssl and imap_starttls exclude each other: imap_ssl is TLS from the "
                              "start (port 993), imap_starttls upgrades a plain connection (port 143)")
        password = self._secret("email", "IMAP password", "password_env", e.password_env, "password_file",
                                e.password_file)
        return ImapSettings(host=e.imap_host, port=e.imap_port or (993 if e.imap_ssl else 143), user=e.imap_user,
                            password=password, mailbox=e.mailbox, ssl=e.imap_ssl, starttls=e.imap_starttls,
                            timeout=e.timeout, batch_size=e.batch_size, use_idle=e.use_idle,
                            poll_seconds=e.poll_seconds or self.sync.poll_seconds,
                            office_addresses=frozenset(a.lower() for a in e.office_addresses),
                            ssl_context=self._ssl_context("email", e.ca_file))

    def smtp_settings(self, imap_password: str) -> SmtpSettings | None:
        e = self.email
        assert e is not None
        if not e.smtp_host:
            return None
        if not e.from_address or "@" not in e.from_address:
            raise ConfigError("[email] from: the office's sender address is required to send mail, "
                              "e.g. from = \"nav.kontor@nav.no\"")
        user, password = "", ""
        if e.smtp_auth:
            user = e.smtp_user or e.imap_user
            if e.smtp_password_env or e.smtp_password_file:
                password = self._secret("email", "SMTP password", "smtp_password_env",
                                        e.smtp_password_env or SMTP_PASSWORD_ENV, "smtp_password_file",
                                        e.smtp_password_file)
            else:
                password = imap_password
        port = e.smtp_port or {"starttls": 587, "tls": 465, "none": 25}[e.smtp_tls]
        return SmtpSettings(host=e.smtp_host, port=port, user=user, password=password, from_address=e.from_address,
                            from_name=e.from_name, tls=e.smtp_tls, timeout=e.timeout,
                            ssl_context=self._ssl_context("email", e.ca_file))

    def dialog_settings(self) -> ActivityPlanSettings:
        d = self.dialog
        assert d is not None
        token = self._secret("dialog", "dialogue token", "token_env", d.token_env, "token_file", d.token_file)
        followed = self.followed()
        return ActivityPlanSettings(base_url=d.base_url, token=token, followed=followed, use_graphql=d.use_graphql,
                                    overlap=timedelta(minutes=d.overlap_minutes), concurrency=d.concurrency,
                                    timeout=d.timeout)

    def followed(self) -> tuple[str, ...]:
        """The followed persons' ID numbers: ``followed`` and the lines of ``followed_file`` (``#`` comments)."""
        d = self.dialog
        assert d is not None
        entries: list[tuple[str, str]] = [(f"followed[{i}]", f.strip()) for i, f in enumerate(d.followed)]
        if d.followed_file is not None:
            path = self._resolve(d.followed_file)
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"[dialog] followed_file: cannot read {path} ({type(exc).__name__})") from exc
            for n, line in enumerate(lines, 1):
                value = line.split("#", 1)[0].strip().replace(" ", "")
                if value:
                    entries.append((f"{path.name} line {n}", value))
        if not entries:
            raise ConfigError("[dialog] follows nobody: set followed = [\"<fødselsnummer>\", …] or followed_file")
        bad = [where for where, value in entries if not fnr_is_valid(value)]
        if bad:
            shown = ", ".join(bad[:10]) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
            raise ConfigError(f"[dialog] not valid national ID numbers (11 digits, mod 11): {shown}")
        return tuple(dict.fromkeys(value for _, value in entries))

    def build(self, only: list[str] | tuple[str, ...] = ()) -> Built:
        """Read the secrets and make the connectors (``only``: just these names)."""
        unknown = [n for n in only if n not in CONNECTOR_SECTIONS]
        if unknown:
            raise ConfigError(f"unknown connector {unknown[0]!r}: choose from {', '.join(CONNECTOR_SECTIONS)}")
        names = [n for n in self.names if not only or n in only]
        missing = [n for n in only if n not in self.names]
        if missing:
            raise ConfigError(f"connector {missing[0]!r} is not configured in {self.path or 'the configuration'}: "
                              f"add a [{missing[0]}] section")
        options = self.options()
        connectors: dict[str, Connector] = {}
        webhook: WebhookOptions | None = None
        poll: dict[str, float] = {}
        makers: dict[str, Callable[[], Connector]] = {
            "sms": self._make_sms, "email": self._make_email, "dialog": self._make_dialog}
        try:
            for name in names:
                connectors[name] = makers[name]()
                section = getattr(self, name)
                if section.poll_seconds is not None:
                    poll[name] = section.poll_seconds
            if "sms" in connectors:
                assert isinstance(connectors["sms"], TwilioConnector)
                webhook = self.webhook_options(connectors["sms"].settings.auth_token)
        except ValueError as exc:  # the connectors' own checks
            raise ConfigError(str(exc)) from exc
        return Built(connectors, options, webhook, poll)

    def _make_sms(self) -> Connector:
        return TwilioConnector(self.twilio_settings())

    def _make_email(self) -> Connector:
        imap = self.imap_settings()
        smtp = self.smtp_settings(imap.password)
        if smtp is None:
            return ImapConnector(imap)
        return EmailConnector.from_settings(imap, smtp)

    def _make_dialog(self) -> Connector:
        return ActivityPlanConnector(self.dialog_settings())

    # -- describing --------------------------------------------------------------------------------------
    def describe(self) -> list[ConnectorInfo]:
        """Each configured connector: where it connects and where its secrets come from; never a secret.
        ``problem`` says what :meth:`build` would refuse (a secret that cannot be read, …)."""
        out: list[ConnectorInfo] = []
        checks: dict[str, Callable[[], object]] = {
            "sms": self.twilio_settings, "email": lambda: self.smtp_settings(self.imap_settings().password),
            "dialog": self.dialog_settings}
        for name in self.names:
            problem = ""
            try:
                checks[name]()
            except (ConfigError, ValueError) as exc:
                problem = str(exc)
            out.append(self._info(name, problem))
        return out

    def _info(self, name: str, problem: str) -> ConnectorInfo:
        def source(env_name: str | None, file_path: Path | None) -> str:
            return f"file {self._resolve(file_path)}" if file_path is not None else f"env {env_name}"

        if name == "sms":
            s = self.sms
            assert s is not None
            target = f"twilio {s.api_base_url or 'https://api.twilio.com'} account {s.account_sid} number " \
                     f"{s.from_number}"
            if s.public_url:
                target += f"; webhooks {s.public_url} on {s.webhook_host}:{s.webhook_port}"
            return ConnectorInfo("sms", "sms", target, source(s.auth_token_env, s.auth_token_file), problem)
        if name == "email":
            e = self.email
            assert e is not None
            scheme = "imaps" if e.imap_ssl else "imap"
            port = e.imap_port or (993 if e.imap_ssl else 143)
            target = f"{scheme}://{e.imap_user}@{e.imap_host}:{port}/{e.mailbox}"
            secrets = source(e.password_env, e.password_file)
            if e.smtp_host:
                target += f"; smtp {e.smtp_host} ({e.smtp_tls}) as {e.from_address}"
                if e.smtp_password_env or e.smtp_password_file:
                    secrets += "; smtp " + source(e.smtp_password_env or SMTP_PASSWORD_ENV, e.smtp_password_file)
            else:
                target += "; no SMTP (cannot send)"
            return ConnectorInfo("email", "email", target, secrets, problem)
        d = self.dialog
        assert d is not None
        who = f"{len(d.followed)} followed" + (f" + {self._resolve(d.followed_file)}" if d.followed_file else "")
        return ConnectorInfo("dialog", "dialog", f"veilarbdialog {d.base_url} ({who})",
                             source(d.token_env, d.token_file), problem)


def parse_config(data: Mapping[str, Any], *, path: Path | None = None, env: Mapping[str, str] | None = None
                 ) -> SyncConfig:
    """Validate a configuration already read (a TOML document as a dict) plus environment overrides."""
    sections = validate_sections(data, os.environ if env is None else env)
    return SyncConfig(path=path, env=env, **sections)


def load_config(path: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None) -> SyncConfig:
    """Find (see :func:`find_config`), read and validate the configuration. With no file at all, only
    environment overrides count (often: nothing configured)."""
    found = find_config(path, env)
    data: dict[str, Any] = {}
    if found is not None:
        try:
            data = tomllib.loads(found.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{found} is not valid TOML: {exc}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the config file {found} ({type(exc).__name__})") from exc
    return parse_config(data, path=found, env=env)
