"""/kehoach (/plan): the campaigns a person takes part in, and switching between them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bot.domain.plan import Plan
from bot.services.outbox import line
from bot.services.parsing import parse_choice
from bot.services.replies import Reply
from bot.texts import t_html
from handlers.turn import Capabilities, Responder, Turn


def numbered(plans: Sequence[Plan]) -> list[dict[str, object]]:
    """The campaigns as numbered lines, to answer by number (typed on Zalo too)."""
    return [line("campaigns.choice_line", number=number, title=plan.title)
            for number, plan in enumerate(plans, 1)]


async def ask(turn: Turn, plans: Sequence[Plan], key: str = "campaigns.ask") -> None:
    """Ask which campaign, numbering the person's campaigns."""
    await turn.say(key, count=len(plans), choices=numbered(plans))


async def plan_command(turn: Turn) -> None:
    """`/kehoach` lists the person's campaigns, the current one marked; `/kehoach 2` (or its
    title) switches to another."""
    picker = turn.services.participation
    assert picker is not None  # routed here only when several campaigns are served
    plans = await picker.taking_part(turn.inbound.sender)
    if not plans:
        await turn.say("campaigns.none")
        return
    if turn.args:
        index = parse_choice(turn.inbound.args_text, [plan.title for plan in plans])
        if index is None:
            await turn.say("campaigns.wrong_number", number=turn.inbound.args_text[:20],
                           count=len(plans), choices=numbered(plans))
            return
        chosen = await picker.choose(turn.actor, plans[index].id)
        await turn.say("campaigns.switched", title=chosen.title)
        return
    current = (await picker.situation(turn.actor, turn.now)).campaign_id or turn.services.plan.id
    lines = [line("campaigns.list_line_current" if plan.id == current else "campaigns.list_line",
                  number=number, title=plan.title) for number, plan in enumerate(plans, 1)]
    await turn.say("campaigns.list", count=len(plans), campaigns=lines)


class NamingResponder:
    """Answers whose first message starts by naming the campaign (a person in several
    campaigns always sees which one a summary or a report is about)."""

    def __init__(self, inner: Responder, title: str) -> None:
        self._inner = inner
        self._title = title
        self._named = False

    @property
    def capabilities(self) -> Capabilities:
        """The channel's own."""
        return self._inner.capabilities

    async def send(self, reply: Reply, locale: str) -> None:
        """Send a reply, the first one under the campaign's name."""
        if not self._named:
            self._named = True
            reply = self._heading(reply, locale)
        await self._inner.send(reply, locale)

    def _heading(self, reply: Reply, locale: str) -> Reply:
        if reply.lines:
            return replace(reply, lines=(t_html("campaigns.about", locale, title=self._title),
                                         *reply.lines))
        nested: dict[str, Any] = {"key": reply.key, "values": dict(reply.values)}
        return replace(reply, key="campaigns.about_then",
                       values={"title": self._title, "message": nested})

    async def photo(self, png: bytes, caption: Reply, locale: str) -> None:
        """A picture, as the channel sends it."""
        await self._inner.photo(png, caption, locale)

    async def document(self, content: bytes, filename: str, caption: Reply, locale: str) -> None:
        """A file, as the channel sends it."""
        await self._inner.document(content, filename, caption, locale)

    async def action(self, kind: str) -> None:
        """A chat action, as the channel shows it."""
        await self._inner.action(kind)
