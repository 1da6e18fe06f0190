"""Logging set-up that never lets a secret or a phone number reach a log line.

Two guards, at every level: the filter masks tokens, known secrets and Vietnamese phone numbers
in every format (+84…, 84…, 0…, digits grouped by spaces, dots or dashes) in each record and its
traceback; and the libraries that log what people send (python-telegram-bot and httpx log whole
updates and requests at DEBUG, SQLAlchemy and aiosqlite log SQL parameters) stay at INFO or above
(SQLAlchemy at WARNING)
even at `LOG_LEVEL=DEBUG`, unless `LOG_LIBRARIES=DEBUG` explicitly asks for their detail (still
masked). httpx and httpcore stay at WARNING whatever is asked: a Bot API URL carries the token.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from bot.domain.privacy import PHONE_PATTERN

# A Telegram token looks like 123456789:AA…; redact any, not only ours, in case of a copy-paste.
_TOKEN_PATTERN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
_REDACTED = "<redacted>"
_PHONE = "<phone>"
#: Loggers that would show what people send (updates, message texts, SQL parameters), with
#: the lowest level at which they do not: SQLAlchemy logs every statement and its parameters
#: at INFO already.
CHATTY_LIBRARIES = {
    "telegram": logging.INFO, "aiosqlite": logging.INFO, "asyncpg": logging.INFO,
    "aiohttp": logging.INFO, "apscheduler": logging.INFO, "sqlalchemy": logging.WARNING,
}


class RedactSecrets(logging.Filter):
    """Replace known secrets and anything shaped like a bot token in every record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def redact(self, text: str) -> str:
        """The text with every secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, _REDACTED)
        text = _TOKEN_PATTERN.sub(_REDACTED, text)
        return PHONE_PATTERN.sub(_PHONE, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, redact it, and drop the arguments."""
        message = record.getMessage()
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def configure_logging(
    level: str, secrets: Iterable[str] = (), libraries: str | None = None
) -> RedactSecrets:
    """Log to stderr at a level, with secrets and phone numbers masked on every handler;
    the chatty libraries at `libraries` if given, else at INFO or above."""
    redactor = RedactSecrets(secrets)
    root = logging.getLogger()
    root.setLevel(level)
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        root.addHandler(handler)
    for handler in root.handlers:
        handler.addFilter(redactor)
    for name, quiet in CHATTY_LIBRARIES.items():
        logging.getLogger(name).setLevel(
            logging.getLevelName(libraries) if libraries else max(quiet, root.level)
        )
    # httpx logs every request URL at INFO, and a Bot API URL carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # The reminder tick runs every 30 s; APScheduler would log each run at INFO.
    if not libraries:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return redactor
