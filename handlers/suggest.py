"""The nearest command to what was typed, among those the person may use."""

from __future__ import annotations

from bot.services.access import Role
from bot.services.parsing import fold as fold_text
from handlers.menu import commands_for


def distance(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions, swaps of neighbours)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def _tolerance(word: str, slash: bool) -> int:
    # Without a slash the word may be plain chat ("hello" is no "help"): closer matches only.
    if not slash:
        return 1 if len(word) <= 7 else 2
    return 1 if len(word) <= 4 else 2 if len(word) <= 8 else 3


def nearest(typed: str, role: Role, locale: str, *, parent: bool = False) -> list[str]:
    """Up to two command names close to `typed` (no diacritics, any case, spaces ignored)."""
    slash = typed.strip().startswith("/")
    word = fold_text(typed).lstrip("/")
    for mark in " _-":
        word = word.replace(mark, "")
    if not word or not word.isalnum():
        return []
    scored: dict[str, int] = {}
    # Only what /huongdan lists for this person: a suggestion never names a refused command.
    for command in commands_for(role, private=True, parent=parent):
        best = min(distance(word, name) for name in command.names)
        if best <= _tolerance(word, slash) and best < len(word):
            # Suggest the name in the language the person typed in, else in theirs.
            named = min(command.names, key=lambda name: distance(word, name))
            shown = named if distance(word, named) == best else command.menu_name(locale)
            scored[shown] = min(best, scored.get(shown, best))
    ranked = sorted(scored, key=lambda name: (scored[name], name))
    if not ranked:
        return []
    top = scored[ranked[0]]
    return [name for name in ranked if scored[name] == top][:2]
