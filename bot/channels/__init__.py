"""Messaging platforms, one folder each: inbound updates become `handlers.Inbound`; outgoing
catalogue keys become that platform's text, markup, limits and pacing.

Adding a channel: a folder here with a class that has `name`, `capabilities`, `start()` and
`stop()`, a `Notifier` for the outbox and a `Responder` for answers, and one line in
`bot.app.channels_for` that builds it when its token is set.
"""
