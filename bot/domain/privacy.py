"""What erasing a person means: the traces to look for, and the placeholder left in their place.

A person is known by addresses (their user id and their private chat on a channel), a name and
a phone number. After `/xoadulieu` none of these may stay anywhere in the database; records that
must stay (a unit's reports, the audit trail, sent messages counted in the summary) keep their
place but point to `erased:<focal point id>`, an address on no channel, so nothing can ever be
sent to it and nobody can be recognised from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.domain.address import Address

#: The channel of placeholder addresses: no channel has this name, so nothing is ever sent there.
ERASED_CHANNEL = "erased"

_SEPARATOR = r"[\s.\-()]{0,2}"

#: A Vietnamese phone number as people write it: +84…, 84…, 0…, digits grouped with spaces,
#: dots, dashes or brackets (mobiles have 9 digits after the prefix, landlines 9 or 10).
PHONE_PATTERN = re.compile(
    r"(?<![\d+])(?:\+?84|0)" + r"(?:" + _SEPARATOR + r"\d){8,10}(?!\d)"
)


def erased_address(focal_point_id: int) -> Address:
    """The placeholder that replaces an erased person's address: `erased:<focal point id>`."""
    return Address(ERASED_CHANNEL, str(focal_point_id))


def _phone_regex(e164: str) -> re.Pattern[str] | None:
    """A pattern matching one stored number in any usual format (+84 912…, 0912.345.678…)."""
    digits = re.sub(r"\D", "", e164)
    if not digits.startswith("84") or len(digits) < 10:
        return None
    subscriber = _SEPARATOR.join(digits[2:])
    return re.compile(r"(?<!\d)(?:\+?84|0)" + _SEPARATOR + subscriber + r"(?!\d)")


@dataclass(frozen=True)
class PersonTraces:
    """Everything that identifies one person: addresses, names, phone numbers."""

    addresses: frozenset[Address]
    names: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        addresses: Iterable[Address | None],
        names: Iterable[str],
        phones: Iterable[str | None],
    ) -> PersonTraces:
        """Traces from what the stored seats hold (empty values are left out)."""
        # Names shorter than two letters would match half the database; nobody has one.
        return cls(
            frozenset(a for a in addresses if a is not None),
            tuple(sorted({n for n in names if n and len(n.strip()) >= 2})),
            tuple(sorted({p for p in phones if p})),
        )

    def _patterns(self) -> list[re.Pattern[str]]:
        patterns = [re.compile(re.escape(name), re.IGNORECASE) for name in self.names]
        patterns += [p for p in (_phone_regex(phone) for phone in self.phones) if p is not None]
        # An address appears as `channel:id`; its bare id only where a whole value is that id
        # (outbox keys and old rows write Telegram ids bare, see `Address.key`).
        patterns += [re.compile(re.escape(str(address))) for address in self.addresses]
        return patterns

    def _ids(self) -> set[str]:
        return {address.id for address in self.addresses} | {
            address.key for address in self.addresses
        }

    def in_text(self, text: str) -> bool:
        """Whether a text holds one of the traces."""
        return text in self._ids() or any(p.search(text) for p in self._patterns())

    def mentioned_in(self, value: Any) -> bool:
        """Whether a JSON-like value holds one of the traces anywhere."""
        if isinstance(value, str):
            return self.in_text(value)
        if isinstance(value, dict):
            return any(self.mentioned_in(k) or self.mentioned_in(v) for k, v in value.items())
        if isinstance(value, list | tuple):
            return any(self.mentioned_in(item) for item in value)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value) in self._ids()
        return False

    def scrub(self, value: Any, placeholder: str = "") -> Any:
        """The JSON-like value with every trace replaced by `placeholder`."""
        if isinstance(value, str):
            if value in self._ids():
                return placeholder
            for pattern in self._patterns():
                value = pattern.sub(placeholder, value)
            return value
        if isinstance(value, dict):
            return {k: self.scrub(v, placeholder) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub(item, placeholder) for item in value]
        if isinstance(value, int) and not isinstance(value, bool) and str(value) in self._ids():
            return placeholder
        return value
