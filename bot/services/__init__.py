"""Use cases: pure Python over the ports in `ports`; no Telegram, no SQL."""
