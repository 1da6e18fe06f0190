"""Every catalogue message, rendered with sample values, reads as a careful civil servant writes:
no doubled word, a space after each sentence's punctuation, no placeholder left, no range of one.
"""

from __future__ import annotations

import html
import re
import string

import pytest

from bot.texts import LOCALES, catalogue, t

# Values as the bot passes them: a count of one (the case that reads worst), a unit's real name,
# what a person typed.
SAMPLES: dict[str, object] = {
    name: 1 for name in (
        "count", "total", "number", "reported", "met", "required", "registered", "shown", "tasks",
        "units_count", "version", "on_time", "late", "missing", "unreported", "port", "n",
    )
}
SAMPLES.update(reference="BC-0001", due="20/11/2023 17:00")
WORDS = {
    "vi": {"unit": "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", "name": "Nguyễn Thị Lan", "text": "số 1"},
    "en": {"unit": "Provincial Border Guard Command", "name": "Lan", "text": "number 1"},
}
# A placeholder that holds other catalogue texts: a sample of what fills it.
FRAGMENTS: dict[str, object] = {
    "reminders.nudge_before": {"progress": [{"key": "reminders.progress_line",
                                             "values": {"reported": 2, "total": 3}}]},
    "reminders.nudge_today": {"progress": [{"key": "reminders.progress_line",
                                            "values": {"reported": 2, "total": 3}}]},
    "reminders.nudge_overdue": {"progress": [{"key": "reminders.progress_line",
                                              "values": {"reported": 2, "total": 3}}]},
}
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
DOUBLED = re.compile(r"(?<![\w-])([^\W\d_]+)\s+\1(?![\w-])", re.IGNORECASE | re.UNICODE)
# A letter, sentence punctuation, then a letter with no space: "tỉnh.Đơn vị".
CRAMMED = re.compile(r"[^\W\d_]{2,}[.!?;][^\W\d_]", re.UNICODE)
RANGE_OF_ONE = re.compile(r"\b(?:từ|from) (\d+) (?:đến|to) \1\b")
# Doublings Vietnamese writes on purpose (reduplication) or that name things.
ALLOWED_DOUBLES = {"từng"}
KEEP_APART = re.compile(
    r"<code>.*?</code>|https?://\S+|\b(?:e\.g|i\.e)\.|\S*\.env(?:\.example)?\b", re.DOTALL)


def _placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def rendered(key: str, locale: str) -> str:
    """A message as a person reads it: sample values in, tags out."""
    words = WORDS[locale]
    # Every other value its own word, so that two placeholders side by side never look doubled.
    values = {name: words.get(name, SAMPLES.get(name, f"«{name}»"))
              for name in _placeholders(catalogue("vi")[key])}
    if f"{key}_one" in catalogue("vi"):
        values["count"] = 2  # the key's "_one" variant says it for a single item
    values.update(FRAGMENTS.get(key, {}))  # type: ignore[arg-type]
    text = t(key, locale, **values)
    return html.unescape(re.sub(r"<[^>]+>", "", KEEP_APART.sub(" ", text)))


CASES = [(locale, key) for locale in LOCALES for key in sorted(catalogue("vi"))]


@pytest.mark.parametrize(("locale", "key"), CASES)
def test_no_doubled_word(locale, key):
    doubled = [m.group(0) for m in DOUBLED.finditer(rendered(key, locale))
               if m.group(1).lower() not in ALLOWED_DOUBLES]
    assert doubled == []


@pytest.mark.parametrize(("locale", "key"), CASES)
def test_a_space_after_sentence_punctuation(locale, key):
    assert CRAMMED.findall(rendered(key, locale)) == []


@pytest.mark.parametrize(("locale", "key"), CASES)
def test_no_placeholder_left_and_no_range_of_one(locale, key):
    text = rendered(key, locale)
    assert re.findall(r"\{[a-z_]*\}", text) == []
    assert RANGE_OF_ONE.findall(text) == []


# The same in both catalogues on purpose: asked before a language is known; people's names.
BILINGUAL = {"language.ask", "sandbox.sample_names"}
VIETNAMESE = re.compile(r"[ăâđêôơưàáạảãầấậẩẫằắặẳẵèéẹẻẽềếệểễìíịỉĩòóọỏõồốộổỗờớợởỡùúụủũừứựửữỳýỵỷỹ]")


@pytest.mark.parametrize("key", sorted(catalogue("vi")))
def test_english_texts_are_translated(key):
    """A Vietnamese text copied into the English catalogue unchanged was never translated."""
    if key in BILINGUAL:
        return
    vi, en = catalogue("vi")[key], catalogue("en")[key]
    assert not (VIETNAMESE.search(vi.lower()) and en == vi), en


def test_a_unit_with_one_task_is_never_told_from_1_to_1():
    from bot.services.reporting import _unknown_task

    for kind, given in (("number", 5), ("text", "số 1")):
        reply = _unknown_task(kind, given, 1)
        text = t(reply.key, "vi", **reply.values)
        assert "từ 1 đến 1" not in text and "số số" not in text
        assert "chỉ có một nhiệm vụ" in text
