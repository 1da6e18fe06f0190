"""Scheduler wiring: periodic ticks that ask services what is due; no Telegram, no SQL."""
