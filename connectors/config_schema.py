"""The sync configuration's shape: its sections and keys, the environment overrides, and the error messages
a wrong file gets (see :mod:`connectors.config` for where the file is and how connectors are built)."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from inbox.errors import ConfigError

__all__ = [
    "CONNECTOR_SECTIONS",
    "SECTIONS",
    "SMTP_PASSWORD_ENV",
    "DialogSection",
    "EmailSection",
    "SmsSection",
    "SyncSection",
    "validate_sections",
]

ENV_PREFIX = "INBOX_"
CONNECTOR_SECTIONS = ("sms", "email", "dialog")
SECTIONS = (*CONNECTOR_SECTIONS, "sync")

# Default environment variables for the secrets.
TWILIO_TOKEN_ENV = "TWILIO_AUTH_TOKEN"
IMAP_PASSWORD_ENV = "INBOX_IMAP_PASSWORD"
SMTP_PASSWORD_ENV = "INBOX_SMTP_PASSWORD"
DIALOG_TOKEN_ENV = "INBOX_DIALOG_TOKEN"

# Keys that would put a secret in the file, and where the secret goes instead.
_SECRET_KEYS: dict[tuple[str, str], tuple[str, str]] = {
    ("sms", "auth_token"): ("auth_token_env", "auth_token_file"),
    ("email", "password"): ("password_env", "password_file"),
    ("email", "imap_password"): ("password_env", "password_file"),
    ("email", "smtp_password"): ("smtp_password_env", "smtp_password_file"),
    ("dialog", "token"): ("token_env", "token_file"),
}


# -- the file's shape ------------------------------------------------------------------------------------
class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, populate_by_name=True)

    enabled: bool = True


class SmsSection(_Section):
    account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$")
    from_number: str = Field(pattern=r"^\+[1-9]\d{6,14}$")
    auth_token_env: str = TWILIO_TOKEN_ENV
    auth_token_file: Path | None = None
    api_base_url: str | None = None  # a proxy or a test server instead of https://api.twilio.com
    page_size: int = Field(default=100, ge=1, le=1000)
    start: datetime | None = None
    inbound_only: bool = True
    timeout: float = Field(default=30.0, gt=0)
    poll_seconds: float | None = Field(default=None, gt=0)
    public_url: str | None = None  # set: serve the webhooks, and ask for status callbacks
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=0, le=65535)


class EmailSection(_Section):
    imap_host: str = Field(min_length=1)
    imap_port: int | None = Field(default=None, ge=1, le=65535)
    imap_user: str = Field(min_length=1)
    mailbox: str = "INBOX"
    imap_ssl: bool = True
    imap_starttls: bool = False
    password_env: str = IMAP_PASSWORD_ENV
    password_file: Path | None = None
    use_idle: bool = True
    batch_size: int = Field(default=200, ge=1, le=10_000)
    timeout: float = Field(default=30.0, gt=0)
    poll_seconds: float | None = Field(default=None, gt=0)
    office_addresses: list[str] = Field(default_factory=list)
    ca_file: Path | None = None
    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_tls: Literal["starttls", "tls", "none"] = "starttls"
    smtp_auth: bool = True
    smtp_user: str | None = None
    smtp_password_env: str | None = None
    smtp_password_file: Path | None = None
    from_address: str | None = Field(default=None, alias="from")
    from_name: str = ""


class DialogSection(_Section):
    base_url: str = Field(min_length=1)
    token_env: str = DIALOG_TOKEN_ENV
    token_file: Path | None = None
    followed: list[str] = Field(default_factory=list, repr=False)
    followed_file: Path | None = None
    use_graphql: bool = True
    concurrency: int = Field(default=4, ge=1, le=64)
    timeout: float = Field(default=30.0, gt=0)
    overlap_minutes: float = Field(default=60.0, ge=0)
    poll_seconds: float | None = Field(default=None, gt=0)


class SyncSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    poll_seconds: float = Field(default=60.0, gt=0)
    backoff_initial: float = Field(default=1.0, gt=0)
    backoff_max: float = Field(default=300.0, gt=0)
    pull_timeout: float = Field(default=300.0, gt=0)
    once_attempts: int = Field(default=3, ge=1)
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    snapshot_seconds: float = Field(default=300.0, gt=0)  # queue snapshots for the supervisor's chart


_MODELS: dict[str, type[BaseModel]] = {"sms": SmsSection, "email": EmailSection, "dialog": DialogSection,
                                       "sync": SyncSection}


# -- loading ---------------------------------------------------------------------------------------------
def _env_value(raw: str) -> Any:
    if raw.strip().startswith("["):
        try:
            return tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            return raw
    return raw


def _env_overrides(env: Mapping[str, str]) -> dict[str, dict[str, tuple[Any, str]]]:
    out: dict[str, dict[str, tuple[Any, str]]] = {}
    for var, raw in env.items():
        if not var.startswith(ENV_PREFIX) or "__" not in var:
            continue
        section, _, key = var[len(ENV_PREFIX):].partition("__")
        section, key = section.lower(), key.lower()
        if section in SECTIONS and key:
            out.setdefault(section, {})[key] = (_env_value(raw), var)
    return out


_PATTERN_HELP = {
    "account_sid": "must be the account SID from the Twilio console: AC followed by 32 hex digits",
    "from_number": "must be the office's number in E.164 form, e.g. +4759446000",
}


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _known_keys(model: type[BaseModel]) -> list[str]:
    return sorted((f.alias or name) for name, f in model.model_fields.items())


def _validation_error(section: str, model: type[BaseModel], exc: ValidationError,
                      origins: Mapping[str, str]) -> ConfigError:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(section)"
        top = str(err["loc"][0]) if err["loc"] else ""
        origin = f" (from {origins[top]})" if top in origins else ""
        if err["type"] == "extra_forbidden":
            lines.append(f"[{section}] unknown key {key!r}{origin}{_suggest(key, _known_keys(model))}; known keys: "
                         f"{', '.join(_known_keys(model))}")
        elif err["type"] == "missing":
            lines.append(f"[{section}] {key} is required")
        elif err["type"] == "string_pattern_mismatch" and key in _PATTERN_HELP:
            lines.append(f"[{section}] {key}{origin}: {_PATTERN_HELP[key]}")
        else:
            # pydantic's message; the input value is left out (it could be anything the user typed)
            lines.append(f"[{section}] {key}{origin}: {err['msg']}")
    return ConfigError("invalid configuration:\n  " + "\n  ".join(lines))


def validate_sections(data: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """The sections of a configuration (a TOML document as a dict) with the environment's overrides applied,
    each validated; a disabled connector's section is left out. Raises ConfigError saying what is wrong."""
    unknown = [k for k in data if k not in SECTIONS]
    if unknown:
        raise ConfigError(f"unknown section [{unknown[0]}]{_suggest(unknown[0], list(SECTIONS))}; the sections "
                          f"are {', '.join(f'[{s}]' for s in SECTIONS)}")
    overrides = _env_overrides(env)
    sections: dict[str, Any] = {}
    for name in SECTIONS:
        raw = data.get(name)
        if raw is not None and not isinstance(raw, dict):
            raise ConfigError(f"[{name}] must be a table (a [{name}] section), not a single value")
        values = dict(raw or {})
        origins: dict[str, str] = {}
        for key, (value, var) in overrides.get(name, {}).items():
            values[key] = value
            origins[key] = var
        if raw is None and not origins:
            continue
        for key in values:
            if (name, key) in _SECRET_KEYS:
                env_key, file_key = _SECRET_KEYS[(name, key)]
                where = origins.get(key, "the config file")
                raise ConfigError(f"[{name}] {key}: secrets are not read from {where}; put the secret in an "
                                  f"environment variable named by {env_key}, or in a file named by {file_key}")
        model = _MODELS[name]
        try:
            section = model.model_validate(values)
        except ValidationError as exc:
            raise _validation_error(name, model, exc, origins) from None
        if name == "sync" or getattr(section, "enabled", True):
            sections[name] = section
    return sections
