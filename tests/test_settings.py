import io
import logging

import pytest

from bot.domain.address import Address
from bot.logs import configure_logging
from bot.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ("BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS", "HEAD_IDS", "LOG_LEVEL",
                 "DEFAULT_LOCALE", "TELEGRAM_API_URL", "PLAN_FILE", "PLAN_EVENT_DATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_are_the_embedded_sqlite_file_and_the_shipped_plan():
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///data/daumoi.sqlite3"
    assert str(settings.plan_file) == "plans/kontum-2023.yaml"
    assert settings.default_locale == "vi"
    assert settings.bot_base_url == "https://api.telegram.org/bot"


def test_ids_are_comma_separated(monkeypatch):
    monkeypatch.setenv("ADMIN_IDS", "11, 22,33")
    monkeypatch.setenv("HEAD_IDS", "44")
    settings = load_settings()
    assert settings.admin_ids == {Address("telegram", str(n)) for n in (11, 22, 33)}
    assert settings.head_ids == {Address("telegram", "44")}


def test_env_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("BOT_TOKEN=123:abc\nLOG_LEVEL=DEBUG\n")
    settings = load_settings()
    assert settings.bot_token.get_secret_value() == "123:abc"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value"),
    [("ADMIN_IDS", "alice"), ("DATABASE_URL", "mysql://x"), ("LOG_LEVEL", "LOUD"),
     ("DEFAULT_LOCALE", "fr"), ("TELEGRAM_API_URL", "ftp://x"), ("PLAN_EVENT_DATE", "5/12")],
)
def test_an_invalid_setting_is_named_in_one_line(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as exc:
        load_settings()
    message = str(exc.value)
    assert message.startswith(f"{name}:")
    assert "\n" not in message


def test_postgres_urls_get_the_async_driver(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    assert load_settings().database_url == "postgresql+asyncpg://postgres@127.0.0.1/test"


def test_the_token_never_reaches_a_log_line():
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        configure_logging("DEBUG", [token])
        logging.getLogger("httpx").warning("POST https://api.telegram.org/bot%s/getMe", token)
        logging.getLogger("x").error("boom with %s", token)
        logging.getLogger("y").info("other 987654321:ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
    finally:
        root.removeHandler(handler)
        for other in root.handlers:
            other.filters.clear()
    written = stream.getvalue()
    assert "boom with" in written and "getMe" in written
    assert token not in written and "ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in written
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
