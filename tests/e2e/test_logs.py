"""At LOG_LEVEL=DEBUG no phone number and no token reach the log, during a real registration."""

from __future__ import annotations

import io
import logging

import pytest

from bot.logs import CHATTY_LIBRARIES, RedactSecrets, configure_logging
from tests.conftest import TOKEN
from tests.e2e.test_registration import invite, newcomer, register_by_typing

PHONES = ("0987654321", "987654321", "0987 654 321", "0987.654.321", "+84987654321",
          "84987654321")


@pytest.fixture(params=[None, "DEBUG"], ids=["libraries-quiet", "libraries-asked-for"])
def debug_log(request):
    """Everything logged at DEBUG, as the bot configures it (libraries at their quiet level, or
    at DEBUG when explicitly asked), formatted with tracebacks."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    configure_logging("DEBUG", [TOKEN], request.param)
    try:
        yield stream, request.param
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        for other in root.handlers:
            other.filters[:] = [f for f in other.filters if not isinstance(f, RedactSecrets)]
        for name in (*CHATTY_LIBRARIES, "httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.NOTSET)


async def test_a_registration_at_debug_logs_no_phone_and_no_token(bot, fake_api, debug_log):
    lan = newcomer(fake_api)
    await register_by_typing(lan, await invite(bot), phone="0987.654.321")
    await lan.say("/baomat")
    # What a library would print if it were asked for its detail: masked all the same.
    logging.getLogger("sqlalchemy.engine").warning("[parameters] ('+84987654321', 'x')")
    logging.getLogger("telegram.ext").warning('{"contact": {"phone_number": "84987654321"}}')
    stream, libraries = debug_log
    written = stream.getvalue()
    for phone in PHONES:
        assert phone not in written, phone
    assert TOKEN not in written
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    if libraries is None:
        for name in ("aiosqlite", "telegram.ext"):
            assert logging.getLogger(name).getEffectiveLevel() >= logging.INFO, name
        assert logging.getLogger("sqlalchemy.engine").getEffectiveLevel() >= logging.WARNING
        assert "focal_points" not in written  # no SQL at all
    else:
        # Asked for: statements, parameters and updates are there, numbers masked.
        assert "focal_points" in written and "<phone>" in written


@pytest.mark.parametrize("written", [
    "+84 987 654 321", "0987-654-321", "(+84) 987.654.321", "84987654321", "0260 3862 345",
    "gọi 0987654321 nhé",
])
def test_every_way_of_writing_a_number_is_masked(written):
    assert not any(ch.isdigit() for ch in RedactSecrets().redact(written).replace("<phone>", ""))


@pytest.mark.parametrize("kept", [
    "2023-11-20 09:00:00,123", "update 123456789", "127.0.0.1:8088", "took 0.25 s",
    "BC-0012 v3",
])
def test_ordinary_numbers_are_kept(kept):
    assert RedactSecrets().redact(kept) == kept
