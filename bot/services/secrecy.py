"""The confidentiality guard: refuse material that carries a state-secret classification.

Vietnamese state secrets (Law on Protection of State Secrets 2018, Decree 26/2020/NĐ-CP) are
marked with one of three grades, MẬT, TỐI MẬT and TUYỆT MẬT, stamped in capitals on the
document, and are described in running text as "bí mật nhà nước", "độ mật: …", "tài liệu mật".
The syllable "mật" is also an everyday word (mật độ, bảo mật, mật khẩu, mật ong, mật thiết), and
typed without diacritics "mat" is far more often "mất" (mất điện) or "mặt" (mặt trận). So the
guard looks for how the marks are written, not for the syllable.

The rule, checked on a normalised copy of the text (the caller's text is never altered):

* Normalisation: NFKC (full-width and mathematical letters become plain ones), invisible and
  format characters removed (zero-width space/joiner/non-joiner, word joiner, soft hyphen, BOM,
  variation selectors, bidi controls, combining marks foreign to Vietnamese), Cyrillic, Greek and
  other look-alike letters folded to Latin, letters spelt out one by one joined ("M.Ậ.T",
  "M Ậ T", "M_Ậ_T" → "MẬT"; "T.Ố.I M.Ậ.T" → "TỐI MẬT"), the key syllables broken in the middle
  joined ("MẬ T"), and the in-word separators of file names (``_ - . / +``) read as spaces.
* Refused in any case: a grade with its qualifier ("tối mật", "tuyệt mật", also glued
  "TỐIMẬT"), "bí mật nhà nước" (and "BMNN"), "thuộc danh mục bí mật", "độ mật", "dấu mật", a
  document noun followed by "mật" ("tài liệu mật", "văn bản mật", "thông tin mật", "hồ sơ mật",
  "báo cáo mật", "kế hoạch mật"…), and the envelope stamp "chỉ người có tên mới được bóc bì";
  unless an everyday word follows ("thông tin mật khẩu", "mức độ mật thiết").
* "MẬT" alone is a stamp when written as one: in capitals (any capital after the first letter,
  so "MẬT" and "mẬT" but not "Mật"), or standing alone on its line, in brackets or quotes, at the
  start of a line, or inside a file name. In lower-case running text "mật" alone is not a mark:
  a civil servant who means the grade writes "tài liệu mật" or "độ mật", caught above.
* Never a mark: "mật" in an everyday compound, judged by the word before or after it (bảo mật,
  bí mật, thân mật, tuần trăng mật; mật độ, mật khẩu, mật ong, mật thiết, mật mã, mật thư…).
  "bí mật" alone ("giữ bí mật bất ngờ cho buổi lễ") is not a mark: only "bí mật nhà nước" names
  a state secret. "bảo vệ bí mật nhà nước" and "lộ, lọt bí mật nhà nước" name the law and the
  duty (reports on that work are ordinary), so they are not a mark either.
* Without diacritics a match counts only where it cannot be "mất"/"mặt"/"mắt": "tuyet mat",
  "bi mat nha nuoc" and "tai lieu/van ban/thong tin/ho so mat" always; "toi mat" (also "tôi
  mất") only in capitals, glued, in a file name, alone, in brackets or after a document noun;
  "do mat" ("do mất", "độ mật") only as a label followed by a colon; "MAT" only in capitals and
  standing alone, in brackets, heading a line as a label ("MAT - bản đồ") or in a file name
  ("KH_MAT_01.docx"), never beside an everyday word ("MAT_DIEN", "CO_MAT"); lower-case "mat"
  alone never.
"""

from __future__ import annotations

import re
import unicodedata

# --- normalisation ----------------------------------------------------------------------------

# The combining marks Vietnamese writing needs; every other mark is noise an attacker can add.
_VIETNAMESE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b")

# Letters that are not format characters but draw nothing (Hangul fillers, braille blank).
_BLANK_LETTERS = "\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5"

# Letters of other scripts drawn like Latin ones. Precomposed forms (Ё, Ӑ…) are decomposed
# before this table applies, so only bases are listed.
_LOOKALIKES = {
    # Cyrillic
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԁ": "D", "Ү": "Y", "Ԛ": "Q",
    "Ԝ": "W", "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "х": "x", "у": "y", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ү": "y",
    "п": "n", "г": "r", "ԛ": "q", "ԝ": "w",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "α": "a", "ε": "e", "ι": "i", "κ": "k",
    "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    # Cherokee capitals that copy Latin ones
    "Ꭺ": "A", "Ᏼ": "B", "Ꮯ": "C", "Ꭼ": "E", "Ꮋ": "H", "Ꮇ": "M", "Ꭲ": "T", "Ꮃ": "W",
    # Latin small capitals and dotless letters, which NFKC leaves alone
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j",
    "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t",
    "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ɑ": "a", "ı": "i", "ȷ": "j",
    # Line and paragraph breaks all become newlines: a stamp is judged by its line.
    "\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n",
}


# Plain ASCII, "đ" and the Vietnamese marks (after NFD) need no look; anything else is checked
# one character at a time, which is rare enough to be cheap. \x0b-\x0d are breaks, see above.
_UNUSUAL = re.compile(
    r"[^\x00-\x0a\x0e-\x7f\u0110\u0111\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b]"
)


def _clean(match: re.Match[str]) -> str:
    char = match.group()
    # Format characters (Cf), enclosing marks (Me) and foreign combining marks (Mn) draw
    # nothing a reader notices, so they are dropped; look-alikes become their Latin letter.
    if char in _BLANK_LETTERS or unicodedata.category(char) in ("Cf", "Mn", "Me"):
        return ""
    return _LOOKALIKES.get(char, char)


_LETTER = r"[^\W\d_]"
_NOT_LETTER_BEFORE = rf"(?<!{_LETTER})"
_NOT_LETTER_AFTER = rf"(?!{_LETTER})"
# What people put between letters or inside file names instead of a space.
_JOINERS = r"_.\-‐‑‒–—―·•∙⋅‧・。*~+|/\\"
_MARKS = ",:;'`^’‘"
_PUNCTUATION = rf"[{_JOINERS}{_MARKS}]"
# Any run of whitespace and joiners or marks ("M . Ậ", "M..Ậ"). Possessive, so a long run is
# read once instead of being split every way (which would make the regex quadratic).
_GAP = rf"[\s{_JOINERS}{_MARKS}]++"
# A letter spelt out with separators: "M.Ậ.T", "M Ậ T", "T-Ố-I". Three letters or more, so
# "ở ý" and initials like "T.P" are left alone; joining harmless runs ("a, b, c") costs nothing.
# Line breaks count too ("M", "Ậ", "T" on three lines): a run of one-letter lines is no text.
_SPELT = re.compile(rf"{_NOT_LETTER_BEFORE}{_LETTER}(?:{_GAP}{_LETTER}{_NOT_LETTER_AFTER}){{2,}}")
_SPELT_GAP = re.compile(_GAP)
_SPELT_STRAY = re.compile(rf"\s|{_PUNCTUATION}")
# The key syllables broken in the middle ("MẬ T", "M.ẬT", "TỐ I"): no Vietnamese word is "mậ",
# "ật", "ối" or "uyệ", so the pieces are joined back. Within a line only.
_PIECE = rf"(?:[^\S\n]*+[{_JOINERS}]?+[^\S\n]*+)"
_BROKEN = re.compile(
    rf"{_NOT_LETTER_BEFORE}(?:m{_PIECE}ậ{_PIECE}t|t{_PIECE}ố{_PIECE}i|tuy{_PIECE}ệ{_PIECE}t)"
    rf"{_NOT_LETTER_AFTER}",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(rf"[{_JOINERS}\t]")
_FILE_NAME = re.compile(
    r"(?<!\S)\S*(?:_\S*|\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|odp|rtf|txt|csv|jpe?g|png|gif|heic|webp|"
    r"tiff?|zip|rar|7z|mp4|mov|mp3|m4a|xml|json|html?))(?=\s|$)",
    re.IGNORECASE,
)


def _join_spelt(match: re.Match[str]) -> str:
    # "T.À.I L.I.Ệ.U M.Ậ.T": the gap used most joins letters, any other one parts words, so the
    # phrase comes back as "TÀI LIỆU MẬT". With a single kind of gap every letter is joined.
    # A tie goes to the shorter gap, then the smaller string, so the result never varies.
    spelt = match.group()
    gaps = _SPELT_GAP.findall(spelt)
    common = min(set(gaps), key=lambda gap: (-gaps.count(gap), len(gap), gap))
    letters = _SPELT_GAP.split(spelt)
    out = [letters[0]]
    for gap, letter in zip(gaps, letters[1:], strict=True):
        out.append(("" if gap == common else " ") + letter)
    return "".join(out)


def _normalise(text: str) -> tuple[str, str, list[tuple[int, int]]]:
    """The text as the rules read it, the same before separators, and file-name spans."""
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    text = _UNUSUAL.sub(_clean, text)
    text = unicodedata.normalize("NFC", text)
    text = _SPELT.sub(_join_spelt, text)
    text = _BROKEN.sub(lambda m: _SPELT_STRAY.sub("", m.group()), text)
    files = [m.span() for m in _FILE_NAME.finditer(text)]
    # One character for one, so the file-name spans still fit.
    return _SEPARATOR.sub(" ", text), text, files


# --- matching ---------------------------------------------------------------------------------

def _bare(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def _phrase(phrase: str) -> str:
    # Each letter matches itself or its bare form ("tối mật", "toi mat", "tối mat"), never
    # another diacritic ("tôi mất", "tối mát"); the judge then tells bare matches apart. Words
    # may be glued ("TỐIMẬT", "tailieumat"), as file names and spelt-out letters come back.
    gap = "[ ]*"
    out = []
    for char in phrase:
        if char == " ":
            out.append(gap)
            continue
        bare = _bare(char)
        out.append(re.escape(char) if bare == char else f"[{char}{bare}]")
    return "".join(out)


def _alternatives(phrases: tuple[str, ...]) -> re.Pattern[str]:
    body = "|".join(_phrase(p) for p in phrases)
    return re.compile(rf"{_NOT_LETTER_BEFORE}(?:{body}){_NOT_LETTER_AFTER}", re.IGNORECASE)


_GRADES = _alternatives(("tối mật", "tuyệt mật"))
_STATE_SECRET = _alternatives(("bí mật nhà nước",))
_BMNN = re.compile(rf"{_NOT_LETTER_BEFORE}BMNN{_NOT_LETTER_AFTER}")
_ON_THE_LIST = _alternatives(("thuộc danh mục bí mật", "chỉ người có tên mới được bóc bì"))
_GRADE_LABEL = _alternatives(("độ mật", "dấu mật"))
# Nouns after which a bare "mat" is read as the grade: a lost document is written "mất tài
# liệu" or "tài liệu bị mất", rarely "tài liệu mất".
_SAFE_NOUNS = ("tài liệu", "văn bản", "thông tin", "hồ sơ")
_SAFE_NOUNS_BARE = frozenset(_bare(noun).replace(" ", "") for noun in _SAFE_NOUNS)
_DOCUMENTS = _SAFE_NOUNS + (
    "báo cáo", "công văn", "kế hoạch", "bản đồ", "số liệu", "phương án", "quyết định", "tin",
    "bản", "thư", "điện", "sổ", "danh sách", "dữ liệu", "file", "tệp",
)
_DOCUMENTS_BARE = frozenset(_bare(noun) for noun in _DOCUMENTS)
_DOCUMENT_MARK = _alternatives(tuple(f"{noun} mật" for noun in _DOCUMENTS))
_MAT = re.compile(rf"{_NOT_LETTER_BEFORE}m[ậa]t{_NOT_LETTER_AFTER}", re.IGNORECASE)
# Cheap test first: every rule needs one of these, and almost no message has any.
_ANY = re.compile(r"m[ậa]t|bmnn|bóc bì|boc bi", re.IGNORECASE)

# Everyday compounds of "mật", told by the next or the previous word.
_AFTER = frozenset((
    "độ", "khẩu", "ong", "thiết", "mã", "thám", "vụ", "danh", "phục", "ngọt", "gấu", "mía", "rỉ",
    "hiệu", "đàm", "ước", "thư", "ngữ", "hoa", "đường", "nghị",
))
_BEFORE = frozenset(("bảo", "bí", "thân", "túi", "sỏi", "ong", "đường", "trăng", "ngọt"))
# The same, bare, plus what follows or precedes "mất", "mặt" and "mắt" typed without diacritics.
_AFTER_BARE = frozenset({_bare(w) for w in _AFTER} | {
    "dien", "song", "mang", "nuoc", "tien", "tran", "bang", "hang", "dat", "duong", "troi",
    "kinh", "ngu", "tich", "cap", "viec", "lien", "het", "trang", "mui", "mat", "na", "xich",
    "tinh", "diem", "goc", "ngoai", "trong", "truoc", "sau", "tren", "duoi", "hat", "quyen",
    "gia", "ve", "ket", "ma", "thoi", "roi", "di",
})
_BEFORE_BARE = frozenset({_bare(w) for w in _BEFORE} | {
    "co", "gap", "be", "khuon", "ra", "truoc", "dau", "bi", "da", "lam", "danh", "that",
    "mat", "nhin", "hai", "chung", "toan", "mien", "doi", "mui", "lo",
})
# "bảo vệ bí mật nhà nước" is the law and the duty; "lộ, lọt bí mật nhà nước" its breach.
_DUTY = frozenset(("bảo vệ", "bao ve", "lọt", "lot", "lộ", "lo"))

_NEXT_WORD = re.compile(rf"[ ]*({_LETTER}+)")
_HAS_LETTER = re.compile(_LETTER)
_OPENING = re.compile(r"[(\[{«‹<\"“”'‘’]\s*\Z")
_CLOSING = re.compile(r"\A\s*[)\]}»›>\"”“'’‘]")
_COLON = re.compile(r"[ ]*:")
_LABEL = re.compile(r"[ ]*[:\-–—|]")


def _next_word(text: str, end: int) -> str:
    match = _NEXT_WORD.match(text, end)
    return match.group(1).lower() if match else ""


def _previous_words(text: str, start: int, count: int) -> list[str]:
    # Walked back by hand: a regex anchored at the end would be tried from every position.
    words: list[str] = []
    end = start
    while len(words) < count:
        stop = end
        while stop > 0 and text[stop - 1] == " ":
            stop -= 1
        begin = stop
        while begin > 0 and text[begin - 1].isalpha():
            begin -= 1
        if begin == stop:
            break
        words.insert(0, text[begin:stop].lower())
        end = begin
    return words


def _is_bare(word: str) -> bool:
    return word.isascii()


def _is_capitals(word: str) -> bool:
    # Any capital after the first letter: "MẬT", "MẬt", "mẬT"; not the sentence case "Mật".
    return any(char.isupper() for char in word[1:])


def _line(text: str, start: int, end: int) -> tuple[str, str]:
    """What precedes and follows a match on its line."""
    begin = text.rfind("\n", 0, start) + 1
    finish = text.find("\n", end)
    return text[begin:start], text[end:] if finish < 0 else text[end:finish]


def _alone(text: str, start: int, end: int) -> bool:
    before, after = _line(text, start, end)
    bracketed = bool(_OPENING.search(before) and _CLOSING.search(after))
    return bracketed or not (_HAS_LETTER.search(before) or _HAS_LETTER.search(after))


def _in_file_name(files: list[tuple[int, int]], start: int) -> bool:
    return any(a <= start < b for a, b in files)


def _everyday(text: str, start: int, end: int, bare: bool) -> bool:
    """Whether the "mật" ending at `end` (starting at `start`) is part of an everyday word."""
    after, before = (_AFTER_BARE, _BEFORE_BARE) if bare else (_AFTER, _BEFORE)
    previous = _previous_words(text, start, 1)
    return _next_word(text, end) in after or bool(previous and previous[0] in before)


def _grade(text: str, files: list[tuple[int, int]], match: re.Match[str]) -> bool:
    found = match.group()
    bare = _is_bare(found)
    if _next_word(text, match.end()) in (_AFTER_BARE if bare else _AFTER):
        return False
    if not bare or not found.lower().startswith("toi"):
        return True  # "tuyet mat" has no everyday reading
    # "toi mat" is also "tôi mất" (I lost): only where it cannot be that.
    previous = _previous_words(text, match.start(), 2)
    after_document = bool(previous) and (" ".join(previous) in _DOCUMENTS_BARE
                                         or previous[-1] in _DOCUMENTS_BARE)
    return (_is_capitals(found[-3:]) or " " not in found or after_document
            or _in_file_name(files, match.start()) or _alone(text, match.start(), match.end()))


def _state_secret(text: str, match: re.Match[str]) -> bool:
    words = _previous_words(text, match.start(), 2)
    return not (" ".join(words) in _DUTY or (words and words[-1] in _DUTY))


def _grade_label(text: str, match: re.Match[str]) -> bool:
    if _is_bare(match.group()):
        return bool(_COLON.match(text, match.end()))  # "Do mat: ..."; else "do mất điện"
    return not _everyday(text, match.end() - 3, match.end(), bare=False)


def _document_mark(text: str, match: re.Match[str]) -> bool:
    found = match.group()
    bare = _is_bare(found)
    if bare and found[:-3].replace(" ", "").lower() not in _SAFE_NOUNS_BARE:
        return False  # "tin mat", "ban mat"… are as often "mất" as "mật"
    return _next_word(text, match.end()) not in (_AFTER_BARE if bare else _AFTER)


def _stamp(text: str, raw: str, files: list[tuple[int, int]], match: re.Match[str]) -> bool:
    start, end = match.span()
    word = match.group()
    bare = _is_bare(word)
    if _everyday(text, start, end, bare):
        return False
    in_file = _in_file_name(files, start)
    line_start = not _HAS_LETTER.search(_line(text, start, end)[0])
    if bare:
        # "mat" is mostly "mất"/"mặt": only the capital stamp standing alone, in a file name, or
        # heading a line as a label ("MAT - bản đồ", "MAT: kế hoạch").
        label = line_start and bool(_LABEL.match(raw, end))
        return _is_capitals(word) and (in_file or label or _alone(text, start, end))
    return _is_capitals(word) or in_file or line_start or _alone(text, start, end)


def is_classified(text: str | None) -> bool:
    """Whether a text, caption or file name carries a state-secret classification."""
    if not text:
        return False
    normalised, raw, files = _normalise(text)
    if not _ANY.search(normalised):
        return False
    return (
        any(_grade(normalised, files, m) for m in _GRADES.finditer(normalised))
        or any(_state_secret(normalised, m) for m in _STATE_SECRET.finditer(normalised))
        or any(_state_secret(normalised, m) for m in _BMNN.finditer(normalised))
        or bool(_ON_THE_LIST.search(normalised))
        or any(_grade_label(normalised, m) for m in _GRADE_LABEL.finditer(normalised))
        or any(_document_mark(normalised, m) for m in _DOCUMENT_MARK.finditer(normalised))
        or any(_stamp(normalised, raw, files, m) for m in _MAT.finditer(normalised))
    )

