"""Reading what people type: choices, yes/no, whole numbers, phone numbers.

People answer the bot as they would answer a colleague, on a phone: "dạ 1 ạ", "đồng ý nhé",
"số 2", "hai", "0912.345.678 (zalo)". The readers below look past politeness, punctuation,
missing diacritics and emoji, but stay exact about the answer itself: a whole answer has to be
a choice, a yes or a no; nothing is guessed from a word found somewhere inside a sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import phonenumbers

from bot.domain.figures import DECIMALS, LIMITS, MetricKind

# Every word list below is folded: lower case, no diacritics, "đ" as "d".
_YES = {
    "1", "co", "dong y", "dongy", "yes", "y", "yep", "yeah", "ok", "oke", "okie", "oki", "okay",
    "okela", "o ke", "agree", "u", "uh", "um", "uhm", "uk", "vang", "da", "da vang", "duoc", "dc",
    "dung", "dung roi", "dung vay", "chac chan", "xac nhan", "confirm", "thumbsup",
}
_NO = {
    "2", "khong", "kh", "ko", "k", "kg", "hong", "hok", "khum", "chua", "no", "n", "nope",
    "khong dong y", "disagree", "thoi", "thoi khoi", "khoi", "khong can", "huy", "huy bo",
    "cancel", "sai", "stop", "stop lai", "thumbsdown",
}
#: A leading word that turns a yes ("đồng ý", "được", "có") into a no.
_NEGATIONS = {"khong", "kh", "ko", "k", "kg", "hong", "hok", "khum", "chua"}
#: Yes-words that may start a longer yes ("vâng, đồng ý", "ok được").
_YES_LEADS = {"vang", "ok", "oke", "okie", "oki", "okay", "u", "uh", "um", "uk", "thumbsup"}
#: Words in front of an answer that carry no meaning of their own: "dạ", "thưa", pronouns.
_LEADS = {"da", "thua", "em", "toi", "minh", "chau", "con", "anh", "chi"}
#: Fillers in front of a numbered choice ("ok 2", "vâng số 3").
_CHOICE_LEADS = _LEADS | {"vang", "ok", "oke", "okie", "u", "uh"}
#: Particles after an answer: "ạ", "nhé", "nha"... ("a" counts only when what is left is a
#: whole answer, since every reader tries the answer as typed before it drops anything).
_TRAILS = {"a", "ah", "ak", "nhe", "nha", "nhen", "ne", "nhak", "di", "luon", "thumbsup"}
#: Further particles that only follow a yes or a no: "được rồi", "có chứ", "không cảm ơn".
_YES_NO_TRAILS = _TRAILS | {"roi", "chu", "day", "cam on", "thanks", "thank you"}
#: Verbs in front of an option's words ("chọn hoàn thành", "sửa họ tên").
_VERBS = ("lua chon", "chon", "sua")
#: Words that may introduce a choice's number: "số 2", "chọn 2", "phương án 2", "đáp án số 2".
_NUMBER_PREFIXES = {
    "so": "số", "chon": "chọn", "lua": "lựa", "phuong": "phương", "an": "án", "pa": "pa",
    "dap": "đáp", "muc": "mục", "cau": "câu", "option": "option", "number": "number",
}
#: Number words, as typed with diacritics; the same words typed without any are in _BARE_NUMBERS.
_TONED_NUMBERS = {
    "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8,
    "chín": 9, "mười": 10,
}
_BARE_VI_NUMBERS = {
    "mot": 1, "hai": 2, "ba": 3, "bon": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9,
    "muoi": 10,
}
_BARE_NUMBERS = {
    **_BARE_VI_NUMBERS, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}
#: The unit after "mười" in 11–19 ("mười lăm" is 15, "mười tư" 14).
_TEEN_UNITS = {**_TONED_NUMBERS, **_BARE_VI_NUMBERS, "lăm": 5, "tư": 4, "lam": 5, "tu": 4}
_EMOJI_WORDS = {
    "👍": "thumbsup", "👌": "thumbsup", "✅": "thumbsup", "✔": "thumbsup", "🆗": "ok",
    "👎": "thumbsdown", "❌": "thumbsdown", "✖": "thumbsdown", "🔟": "10",
}
#: Emoji presentation selectors, the keycap of "1️⃣" and the skin tones of "👍🏻".
_INVISIBLE = re.compile("[\ufe0f\ufe0e\u20e3\U0001f3fb-\U0001f3ff]")

_SKIP = {"bo qua", "skip", "-", "bo", "khong co"}
_DONE = {"xong", "done", "het", "hoan tat", "ket thuc", "finish"}

Token = tuple[str, str]  # (as typed, lower case with its diacritics; folded)


def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d) and squeeze spaces, for loose matching."""
    decomposed = unicodedata.normalize("NFD", text.strip().lower())
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    bare = bare.replace("đ", "d")
    return re.sub(r"\s+", " ", re.sub(r"[.!?,;:]+$", "", bare)).strip()


def _bare(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").replace("đ", "d")


def _tokens(text: str) -> list[Token]:
    """The words and numbers of an answer, punctuation and emoji dressing dropped."""
    cleaned = unicodedata.normalize("NFKC", text).lower()
    for emoji, word in _EMOJI_WORDS.items():
        cleaned = cleaned.replace(emoji, f" {word} ")
    cleaned = unicodedata.normalize("NFC", _INVISIBLE.sub("", cleaned))
    return [(word, _bare(word)) for word in re.findall(r"[^\W_]+", cleaned)]


def _words(tokens: Sequence[Token]) -> str:
    return " ".join(bare for _, bare in tokens)


def _drop(tokens: list[Token], words: Iterable[str], at_end: bool) -> list[Token] | None:
    """The tokens without one of these (possibly several-word) particles at one end."""
    for phrase in words:
        size = phrase.count(" ") + 1
        if len(tokens) <= size:
            continue
        edge = tokens[-size:] if at_end else tokens[:size]
        if _words(edge) == phrase:
            return tokens[:-size] if at_end else tokens[size:]
    return None


def _variants(
    tokens: list[Token], leads: Iterable[str], trails: Iterable[str]
) -> list[list[Token]]:
    """The answer as typed, then with its particles dropped one by one, least dropped first."""
    leads, trails = tuple(leads), tuple(trails)
    found = [tokens]
    seen = {_words(tokens)}
    index = 0
    while index < len(found):
        current = found[index]
        index += 1
        for shorter in (_drop(current, trails, True), _drop(current, leads, False)):
            if shorter and _words(shorter) not in seen:
                seen.add(_words(shorter))
                found.append(shorter)
    return found


def _number_word(token: Token) -> int | None:
    typed, bare = token
    if typed in _TONED_NUMBERS:
        return _TONED_NUMBERS[typed]
    if typed == bare:  # typed without diacritics: "mot", "nam"
        return _BARE_NUMBERS.get(bare)
    return None


def _number(tokens: Sequence[Token]) -> tuple[int | None, bool]:
    """The number these tokens are ("2", "hai", "mười một"), and whether it was typed in digits."""
    if len(tokens) == 1 and tokens[0][1].isdigit():
        return int(tokens[0][1]), True
    if len(tokens) == 1:
        return _number_word(tokens[0]), False
    if len(tokens) == 2 and _number_word(tokens[0]) == 10:
        typed, bare = tokens[1]
        unit = _TEEN_UNITS.get(typed) if typed != bare else _TEEN_UNITS.get(bare)
        if unit is not None and unit < 10:
            return 10 + unit, False
    return None, False


def _is_prefix(token: Token) -> bool:
    """Whether this word may introduce a number, typed with its own diacritics or with none."""
    typed, bare = token
    toned = _NUMBER_PREFIXES.get(bare)
    return toned is not None and typed in (toned, bare)


def _numbered(tokens: list[Token]) -> tuple[int | None, bool, list[Token]]:
    """A number at the start ("2", "số 2", "chọn hai") and the words after it."""
    start = 0
    while start < len(tokens) and _is_prefix(tokens[start]):
        start += 1
    if start == len(tokens):
        return None, False, []
    for end in (start + 2, start + 1):
        if end <= len(tokens):
            value, digits = _number(tokens[start:end])
            if value is not None:
                return value, digits, tokens[end:]
    return None, False, []


def _without_verb(words: str) -> str:
    for verb in _VERBS:
        if words.startswith(verb + " "):
            return words[len(verb) + 1:]
    return words


def _label_index(words: str, labels: Sequence[str]) -> int | None:
    """The one option these words name, with or without a leading "chọn"/"sửa"."""
    if not words:
        return None
    for wanted in dict.fromkeys((words, _without_verb(words))):
        matches = [i for i, label in enumerate(labels)
                   if wanted in (label, _without_verb(label))]
        if len(matches) == 1:
            return matches[0]
    return None


def parse_choice(text: str, options: Sequence[str]) -> int | None:
    """The 0-based index chosen by number ("2", "số 2", "hai") or by the option's words, or None.

    Accepted: a digit with any dressing ("2.", "2)", "(2)", "#2", "2️⃣"), a number word with or
    without diacritics ("hai", "năm"/"nam", "mười"), either after "số"/"chọn"/"phương án", the
    option's own words in any case and with or without diacritics ("Hoàn thành",
    "hoan thanh", "chọn hoàn thành"), or the button text "2. Hoàn thành"; politeness around it
    ("dạ", "vâng", "ok" before, "ạ", "nhé", "nha" after) is dropped. A number word counts only as
    the whole answer ("năm" is 5, "năm nay" is nothing). A number out of range, a number whose
    words name another option, or words that fit several options give None.
    """
    tokens = _tokens(text)
    if not tokens:
        return None
    labels = [_words(_tokens(option)) for option in options]
    for variant in _variants(tokens, _CHOICE_LEADS, _TRAILS):
        number, digits, rest = _numbered(variant)
        if number is not None and not rest and digits:
            return number - 1 if 1 <= number <= len(options) else None
        index = _label_index(_words(variant), labels)
        if index is not None:
            return index
        if number is not None and not rest:
            return number - 1 if 1 <= number <= len(options) else None
        if number is not None and 1 <= number <= len(options):
            named = _label_index(_words(rest), labels)
            if named is not None:
                return number - 1 if named == number - 1 else None
    return None


def _yes_no(tokens: list[Token]) -> bool | None:
    words = _words(tokens)
    if words in _YES:
        return True
    if words in _NO:
        return False
    number, _, rest = _numbered(tokens)
    if number in (1, 2) and not rest:
        return number == 1
    if len(tokens) > 1:
        head, tail = tokens[0][1], _yes_no(tokens[1:])
        if head in _NEGATIONS and tail is True:  # "không đồng ý", "chưa được", "ko ok"
            return False
        if head in _YES_LEADS and tail is True:  # "vâng, đồng ý", "ok được"
            return True
        if head in ("thoi", "khong") and tail is False:  # "thôi, không cần"
            return False
    return None


def parse_yes_no(text: str) -> bool | None:
    """True for yes ("1", "đồng ý ạ", "vâng", "dạ", "ok", "được", "👍"), False for no, or None.

    No is "2", "không"/"khong"/"ko"/"k", "hông", "chưa", "thôi", "hủy", "👎", and any yes after
    a negation ("không đồng ý", "chưa được", "ko ok"). Politeness is dropped on both sides
    ("dạ không ạ" is no, "dạ vâng ạ" yes). "dừng" (stop) is a no even though, without its
    diacritics, it would read as "đúng" (right). An answer that says both, or something else
    altogether, is None.
    """
    tokens = [("dừng", "stop") if typed == "dừng" else (typed, bare)
              for typed, bare in _tokens(text)]
    if not tokens:
        return None
    for variant in _variants(tokens, _LEADS, _YES_NO_TRAILS):
        verdict = _yes_no(variant)
        if verdict is not None:
            return verdict
    return None


def says(text: str, words: Iterable[str]) -> bool:
    """Whether the answer, politeness and a leading "chọn"/"sửa" aside, is one of these phrases.

    The phrases are folded ("chua", "gui bao cao"): "Chưa ạ", "chọn gửi báo cáo nhé" say them.
    """
    wanted = set(words)
    variants = _variants(_tokens(text), _LEADS, _TRAILS)
    return any(_words(variant) in wanted or _without_verb(_words(variant)) in wanted
               for variant in variants)


def choice_number(text: str) -> int | None:
    """The number a numbered answer gives ("2", "2.", "số 2", "hai", "dạ 2 ạ"), in any range."""
    tokens = _tokens(text)
    for variant in _variants(tokens, _CHOICE_LEADS, _TRAILS) if tokens else ():
        number, _, rest = _numbered(variant)
        if number is not None and not rest:
            return number
    return None


def is_skip(text: str) -> bool:
    """Whether the answer means "leave this empty" ("bỏ qua", "skip")."""
    return fold(text) in _SKIP


def is_done(text: str) -> bool:
    """Whether the answer means "finished" ("xong", "done")."""
    return fold(text) in _DONE


_RESUME = {"tiep", "tiep tuc", "lam tiep", "gui tiep", "bao cao tiep", "nhap tiep", "continue",
           "resume", "go on"}
_CANCEL = {"huy", "huy bo", "bo di", "huy bao cao", "xoa ban nhap", "cancel", "discard"}


def is_resume(text: str) -> bool:
    """Whether the answer asks to go on with a paused draft ("tiếp", "tiếp tục ạ")."""
    return says(text, _RESUME)


def is_cancel(text: str) -> bool:
    """Whether the answer asks to drop a paused draft ("hủy", "hủy bỏ nhé")."""
    return says(text, _CANCEL)


def says_done(text: str) -> bool:
    """Whether the answer, politeness aside, means "finished" ("xong ạ", "xong rồi")."""
    return is_done(text) or says(text, _DONE | {"xong roi", "da xong", "xong het"})


class FigureError(ValueError):
    """A figure that is not a whole number in range; `reason` names which rule failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


MAX_FIGURE = 1_000_000
#: A run of digits, maybe with separators and a sign, not glued to a letter ("12k" is not 12).
_NUMBER_RUN = re.compile(r"(?<![^\W_])([+-]?)(\d+(?:[., ]\d+)*)(?![^\W_])")
#: Thousands grouped the Vietnamese way ("2.000.000"), the English way ("1,200") or by spaces.
_GROUPED = re.compile(r"\d+|\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+")
_ZERO_WORDS = {"khong", "khong co", "ko co", "k co", "kh co", "khong co gi", "zero", "none"}


def parse_figure(text: str) -> int:
    """A whole number ≥ 0 from "12", "12 bài", "khoảng 12", "1.200", "không có"; or FigureError.

    The answer has to hold exactly one number in digits, whatever words surround it ("khoảng
    12", "12 tin bài ạ"). Thousands are grouped with "." the Vietnamese way ("2.000.000"), or
    with "," or a space; a decimal ("12,5", "1.2"), two numbers ("12-15", "12 bài 3 video") and
    number words ("mười hai") are refused as not_digits. "0", "không" and "không có" are 0.
    """
    cleaned = unicodedata.normalize("NFKC", text)
    if says(cleaned, _ZERO_WORDS):
        return 0
    runs = list(_NUMBER_RUN.finditer(cleaned))
    if len(runs) != 1 or not _GROUPED.fullmatch(runs[0].group(2)):
        raise FigureError("not_digits")
    sign, digits = runs[0].groups()
    value = int(re.sub(r"[., ]", "", digits))
    if sign == "-" and value:
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
    """A phone number that cannot be used; `reason` is invalid, foreign, landline or several.

    For "several" (two different mobile numbers in one answer) `numbers` holds them, shown the
    Vietnamese way, so the caller can ask which one to keep.
    """

    def __init__(self, reason: str, numbers: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.numbers = numbers


def format_phone(e164: str) -> str:
    """Show a stored number the Vietnamese way: 0912 345 678."""
    number = phonenumbers.parse(e164, "VN")
    national = str(number.national_number)
    digits = "0" + national
    if len(digits) == 10:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _problem(number: phonenumbers.PhoneNumber) -> str | None:
    """Why this number cannot be used, or None for a valid Vietnamese mobile."""
    if not phonenumbers.is_valid_number(number):
        return "invalid"
    if phonenumbers.region_code_for_number(number) != "VN":
        return "foreign"
    kind = phonenumbers.number_type(number)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE,
                    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return "landline"
    return None


def parse_phone(text: str) -> Phone:
    """A Vietnamese mobile number from what was typed or shared; raises PhoneError.

    The number may sit inside a sentence and be written any usual way: "sđt: 0912345678",
    "0912.345.678 (zalo)", "+84 912 345 678", "84912345678", "đt 091-234-5678 ạ". When the
    answer holds one mobile number and also a landline or a foreign number, the mobile is
    taken (the bot asked for a mobile). Two different mobile numbers raise "several", with
    both in `numbers`: which one the person wants to be reached on is theirs to say. Otherwise
    the first number found gives the reason (foreign, landline), and an answer with no
    number in it is invalid.
    """
    cleaned = unicodedata.normalize("NFKC", text)
    found = [match.number for match in phonenumbers.PhoneNumberMatcher(
        cleaned, "VN", leniency=phonenumbers.Leniency.POSSIBLE)]
    mobiles = list(dict.fromkeys(
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        for number in found if _problem(number) is None
    ))
    if len(mobiles) > 1:
        raise PhoneError("several", tuple(format_phone(e164) for e164 in mobiles))
    if mobiles:
        return Phone(e164=mobiles[0], display=format_phone(mobiles[0]))
    for number in found:
        reason = _problem(number)
        if reason != "invalid":
            raise PhoneError(reason or "invalid")
    raise PhoneError("invalid")


# --- figures of every kind: decimals, percentages, money ----------------------------------

#: Words after a number that multiply it ("2 triệu", "1,5 tỷ"), folded. The short forms
#: "k" and "tr" are how amounts of money are typed; for other kinds they stay words.
_MULTIPLIERS = {"nghin": 1_000, "ngan": 1_000, "trieu": 1_000_000, "ty": 10**9, "ti": 10**9}
_MONEY_SHORT = {"k": 1_000, "tr": 1_000_000}
_PERCENT_WORDS = ("phan tram", "percent")
#: Any number as typed: digits with "." "," or space between groups, maybe a sign.
_ANY_NUMBER = re.compile(r"(?<![^\W_])([+-]?)(\d+(?:[., ]\d+)*)(?![^\W_])")


def _read_number(digits: str) -> Decimal | None:
    """A number written the Vietnamese way (1.234,5), or unmistakably the English way."""
    if " " in digits:
        groups = digits.split(" ")
        if not _GROUPED.fullmatch(digits):
            return None
        return Decimal("".join(groups))
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        # "1.234,5" the Vietnamese way; "1,234.5" the English way.
        decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        whole, _, fraction = digits.rpartition(decimal_mark)
        if grouping in fraction or not re.fullmatch(
                rf"\d{{1,3}}(?:\{grouping}\d{{3}})*", whole):
            return None
        return Decimal(whole.replace(grouping, "") + "." + fraction)
    if commas == 1 and not dots:
        return Decimal(digits.replace(",", "."))  # the Vietnamese decimal comma: 5,5
    if dots == 1 and not commas:
        whole, fraction = digits.split(".")
        if len(fraction) == 3:
            return Decimal(whole + fraction)  # 1.500 is one thousand five hundred
        return Decimal(digits)  # 5.5 typed the English way is still five and a half
    if dots or commas:
        mark = "." if dots else ","
        if not _GROUPED.fullmatch(digits):
            return None
        return Decimal(digits.replace(mark, ""))
    return Decimal(digits)


def parse_amount(text: str, kind: MetricKind, locale: str = "vi") -> Decimal:
    """A figure of a metric's kind from what people type; FigureError says why not.

    Accepted: "5,5" and "5.5" (a decimal), "1.234,5", "2.000.000", "2 000 000", "2 triệu",
    "1,5 tỷ", "500 nghìn"; for money also "2tr", "500k", "2.000.000đ" or "… đồng"; for a
    percentage "80", "80%", "80 %", "80 phần trăm". Words around the number are left aside
    ("khoảng 5,5 km"); "không có" is 0. Refused, with the reason: no number or two numbers
    (not_digits), a fraction for a count or an amount of đồng (not_whole), more decimals than
    the kind keeps (too_precise), a percentage over 100 (percent_over), negative, too_large.
    """
    cleaned = unicodedata.normalize("NFKC", text)
    if says(cleaned, _ZERO_WORDS):
        return Decimal(0)
    # "2.000.000đ", "500k", "80%": a unit glued to the number is a word of its own (any other
    # letter glued to it, as in "12a", leaves no number at all).
    glued = r"%|đ|vnđ|vnd|k|tr" if kind is MetricKind.MONEY else "%"
    spaced = re.sub(rf"(\d)({glued})(?![^\W_])", r"\1 \2", cleaned, flags=re.IGNORECASE)
    runs = list(_ANY_NUMBER.finditer(spaced))
    if len(runs) != 1:
        raise FigureError("not_digits")
    sign, digits = runs[0].groups()
    if locale == "en":  # 1,234.5 the English way is 1.234,5 the Vietnamese way
        digits = digits.translate(str.maketrans(".,", ",."))
    value = _read_number(digits)
    if value is None:
        raise FigureError("not_digits")
    after = [bare for _, bare in _tokens(spaced[runs[0].end():])]
    factors = dict(_MULTIPLIERS)
    if kind is MetricKind.MONEY:
        factors.update(_MONEY_SHORT)
    if after and after[0] in factors and kind is not MetricKind.PERCENT:
        value *= factors[after[0]]
    if sign == "-" and value:
        raise FigureError("negative")
    places = DECIMALS[kind]
    if value != value.to_integral_value() and places == 0:
        raise FigureError("not_whole")
    if value.normalize().as_tuple().exponent < -places:  # type: ignore[operator]
        raise FigureError("too_precise")
    if kind is MetricKind.PERCENT and value > LIMITS[kind]:
        raise FigureError("percent_over")
    if value > LIMITS[kind]:
        raise FigureError("too_large")
    return value


def parse_metric_figure(text: str, kind: MetricKind, locale: str = "vi") -> Decimal:
    """A count as `parse_figure` reads it (so counts are read as they always were), other
    kinds as `parse_amount`; a count typed as a decimal is refused as not_whole."""
    folded = fold(text)
    if kind is not MetricKind.COUNT or any(
            re.search(rf"\d\s*{word}\b", folded) for word in _MULTIPLIERS):
        return parse_amount(text, kind, locale)
    try:
        return Decimal(parse_figure(text))
    except FigureError as exc:
        if exc.reason != "not_digits":
            raise
        return parse_amount(text, kind, locale)  # "2 nghìn" is 2000; "5,5" is not_whole
