"""The confidentiality guard: refuse material that carries a state-secret classification."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Classification phrases. Each letter of a phrase matches either itself or its bare form, so
# "tối mật" and "toi mat" match but "tối mát" (cool evening) or "Mặt trận" do not.
_PHRASES = (
    "tối mật",
    "tuyệt mật",
    "độ mật",
    "tài liệu mật",
    "văn bản mật",
    "bí mật nhà nước",
    "thông tin mật",
)


def _bare(char: str) -> str:
    if char in "đĐ":
        return "d"
    decomposed = unicodedata.normalize("NFD", char)
    return decomposed[0].lower()


def _letter_pattern(char: str) -> str:
    if char == " ":
        return r"[\s_.-]+"
    bare = _bare(char)
    return re.escape(char) if bare == char else f"[{re.escape(char)}{re.escape(bare)}]"


@cache
def _phrase_regex() -> re.Pattern[str]:
    alternatives = ["".join(_letter_pattern(c) for c in phrase) for phrase in _PHRASES]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


# A stamp is the classification alone, in capitals, as a word of its own.
_STAMP = re.compile(r"(?<!\w)MẬT(?!\w)")
_BARE_STAMP_LINE = re.compile(r"^\W*MAT\W*$", re.MULTILINE)


def is_classified(text: str | None) -> bool:
    """Whether a text, caption or file name carries a state-secret classification."""
    if not text:
        return False
    normalised = unicodedata.normalize("NFC", text)
    # File names use separators instead of spaces: "Tai_lieu_mat.pdf".
    return bool(
        _phrase_regex().search(normalised)
        or _STAMP.search(normalised)
        or _BARE_STAMP_LINE.search(normalised)
    )
