"""Presenters: turn service data into what people read (chat text, chart, Word, Excel)."""
