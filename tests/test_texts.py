import string
import unicodedata

import pytest

from bot.texts import LOCALES, catalogue, pick_locale, t, t_html


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_locale_has_the_same_keys():
    keys = {locale: set(catalogue(locale)) for locale in LOCALES}
    assert keys["vi"] == keys["en"], keys["vi"] ^ keys["en"]


@pytest.mark.parametrize("key", sorted(catalogue("vi")))
def test_placeholders_match_across_locales(key):
    assert _placeholders(catalogue("vi")[key]) == _placeholders(catalogue("en")[key])


@pytest.mark.parametrize("locale", LOCALES)
def test_texts_are_nfc_normalised(locale):
    bad = [k for k, v in catalogue(locale).items() if unicodedata.normalize("NFC", v) != v]
    assert bad == []


def test_unknown_locale_falls_back_to_vietnamese():
    assert t("common.unknown_command", "fr") == t("common.unknown_command", "vi")


def test_language_codes_pick_a_catalogue():
    assert pick_locale("en-GB") == "en"
    assert pick_locale("vi") == "vi"
    assert pick_locale("de") == "vi"
    assert pick_locale(None, "en") == "en"


def test_html_rendering_escapes_values_but_keeps_markup():
    text = t_html("common.start_stranger", "vi", campaign="<script>x</script>", secretariat="A&B")
    assert "<b>daumoi</b>" in text
    assert "&lt;script&gt;" in text and "<script>" not in text
    assert "A&amp;B" in text
