"""Reading what people type: choices, yes/no, whole numbers, phone numbers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers

_YES = {"1", "co", "dong y", "yes", "y", "ok", "dongy", "đong y", "agree", "u", "uh", "vang"}
_NO = {"2", "khong", "khong dong y", "no", "n", "disagree", "ko", "k"}
_SKIP = {"bo qua", "skip", "-", "bo", "khong co"}
_DONE = {"xong", "done", "het", "hoan tat", "ket thuc", "finish"}


def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d) and squeeze spaces, for loose matching."""
    decomposed = unicodedata.normalize("NFD", text.strip().lower())
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    bare = bare.replace("đ", "d")
    return re.sub(r"\s+", " ", re.sub(r"[.!?,;:]+$", "", bare)).strip()


def parse_yes_no(text: str) -> bool | None:
    """True for yes ("1", "đồng ý", "dong y", "có", "yes"), False for no, None otherwise."""
    folded = fold(text)
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    return None


def is_skip(text: str) -> bool:
    """Whether the answer means "leave this empty" ("bỏ qua", "skip")."""
    return fold(text) in _SKIP


def is_done(text: str) -> bool:
    """Whether the answer means "finished" ("xong", "done")."""
    return fold(text) in _DONE


def parse_choice(text: str, options: Sequence[str]) -> int | None:
    """The 0-based index chosen by number ("2") or by the option's words, or None."""
    folded = fold(text)
    if folded.isdigit():
        number = int(folded)
        return number - 1 if 1 <= number <= len(options) else None
    matches = [i for i, option in enumerate(options) if fold(option) == folded]
    return matches[0] if len(matches) == 1 else None


class FigureError(ValueError):
    """A figure that is not a whole number in range; `reason` names which rule failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


MAX_FIGURE = 1_000_000
_FIGURE = re.compile(r"^\s*([+-]?\d{1,3}(?:[.,\s]\d{3})+|[+-]?\d+)(?:\s+\D.*)?\s*$")


def parse_figure(text: str) -> int:
    """A whole number ≥ 0 from "12", "12 bài", "1.200" or "1,200"; raises FigureError."""
    match = _FIGURE.match(text)
    if not match:
        raise FigureError("not_digits")
    digits = re.sub(r"[.,\s]", "", match.group(1))
    value = int(digits)
    if value < 0:
        raise FigureError("negative")
    if value > MAX_FIGURE:
        raise FigureError("too_large")
    return value


@dataclass(frozen=True)
class Phone:
    """A validated Vietnamese mobile number."""

    e164: str
    display: str


class PhoneError(ValueError):
    """A phone number that cannot be used; `reason` is invalid, foreign or landline."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def format_phone(e164: str) -> str:
    """Show a stored number the Vietnamese way: 0912 345 678."""
    number = phonenumbers.parse(e164, "VN")
    national = str(number.national_number)
    digits = "0" + national
    if len(digits) == 10:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def parse_phone(text: str) -> Phone:
    """A Vietnamese mobile number from what was typed or shared; raises PhoneError."""
    cleaned = text.strip()
    if not re.fullmatch(r"[+\d\s().-]{6,25}", cleaned):
        raise PhoneError("invalid")
    try:
        number = phonenumbers.parse(cleaned, "VN")
    except phonenumbers.NumberParseException:
        raise PhoneError("invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError("invalid")
    if phonenumbers.region_code_for_number(number) != "VN":
        raise PhoneError("foreign")
    kind = phonenumbers.number_type(number)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE,
                    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise PhoneError("landline")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164=e164, display=format_phone(e164))
