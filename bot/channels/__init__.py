"""Chat transports other than Telegram, each free of the bot's core services and storage."""
