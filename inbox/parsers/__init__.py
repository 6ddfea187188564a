"""Readers for the exported logs flerkanal imports, with format detection.

Every reader yields :class:`~inbox.domain.IncomingMessage` for good records and
:class:`~inbox.domain.Quarantined` for bad ones (with file, position and reason), so one bad record
never stops the rest.
"""

from inbox.parsers.detect import Format, detect_format, read_any
from inbox.parsers.dialog import parse_henvendelse, read_dialog_json
from inbox.parsers.email import parse_email_bytes
from inbox.parsers.mailbox import read_maildir, read_mbox
from inbox.parsers.twilio import parse_twilio_message, read_twilio_csv, read_twilio_json

__all__ = [
    "Format",
    "detect_format",
    "parse_email_bytes",
    "parse_henvendelse",
    "parse_twilio_message",
    "read_any",
    "read_dialog_json",
    "read_maildir",
    "read_mbox",
    "read_twilio_csv",
    "read_twilio_json",
]
