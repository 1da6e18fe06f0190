"""The channel-neutral command layer: parse an inbound message, call one use case, answer."""

from handlers.inbound import Inbound
from handlers.router import dispatch
from handlers.turn import Capabilities, Responder

__all__ = ["Capabilities", "Inbound", "Responder", "dispatch"]
