"""Try daumoi without Telegram or Zalo: fake Bot APIs, the real bot, a web chat and a clock.

``daumoi sandbox`` calls :func:`main_sandbox`; tests drive :func:`open_sandbox` and
:func:`make_web_app` directly, or :func:`run_sandbox` with ``port=0``.
"""

from bot.sandbox.runner import main_sandbox, run_sandbox
from bot.sandbox.session import MAX_UPLOAD_BYTES, Sandbox, SandboxError, open_sandbox
from bot.sandbox.web import make_web_app

__all__ = [
    "MAX_UPLOAD_BYTES",
    "Sandbox",
    "SandboxError",
    "main_sandbox",
    "make_web_app",
    "open_sandbox",
    "run_sandbox",
]
