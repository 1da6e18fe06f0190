import pytest

from bot.services.parsing import (
    FigureError,
    PhoneError,
    fold,
    is_done,
    is_skip,
    parse_choice,
    parse_figure,
    parse_phone,
    parse_yes_no,
)


@pytest.mark.parametrize("text", ["1", "đồng ý", "Đồng ý", "dong y", "có", "Có.", "yes", "OK"])
def test_yes_in_any_form(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", ["2", "không", "khong", "Không đồng ý", "no"])
def test_no_in_any_form(text):
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", ["maybe", "3", "", "đồng"])
def test_other_answers_are_neither(text):
    assert parse_yes_no(text) is None


def test_fold_strips_diacritics_and_d_bar():
    assert fold("  Đăk Hà  ") == "dak ha"
    assert fold("Bỏ qua") == "bo qua"


def test_choices_by_number_or_by_words():
    options = ["Chưa bắt đầu", "Đang thực hiện", "Hoàn thành", "Có vướng mắc"]
    assert parse_choice("3", options) == 2
    assert parse_choice("hoan thanh", options) == 2
    assert parse_choice("Đang thực hiện", options) == 1
    assert parse_choice("5", options) is None
    assert parse_choice("0", options) is None
    assert parse_choice("xyz", options) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12), ("12 bài", 12), ("1.200", 1200), ("1,200", 1200), ("0", 0), (" 7 ", 7),
     ("1 000", 1000), ("1000000", 1_000_000)],
)
def test_figures_people_type(text, value):
    assert parse_figure(text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [("mười hai", "not_digits"), ("abc", "not_digits"), ("-3", "negative"),
     ("1000001", "too_large"), ("", "not_digits"), ("12.5", "not_digits")],
)
def test_figures_refused_with_a_reason(text, reason):
    with pytest.raises(FigureError) as exc:
        parse_figure(text)
    assert exc.value.reason == reason


def test_skip_and_done_words():
    assert is_skip("Bỏ qua") and is_skip("skip")
    assert is_done("Xong") and is_done("done")
    assert not is_done("xong rồi nhé")


@pytest.mark.parametrize("text", ["0912345678", "0912 345 678", "+84912345678", "84912345678",
                                  "091.234.5678"])
def test_mobile_numbers_are_normalised(text):
    phone = parse_phone(text)
    assert phone.e164 == "+84912345678"
    assert phone.display == "0912 345 678"


@pytest.mark.parametrize(
    ("text", "reason"),
    [("abc", "invalid"), ("123", "invalid"), ("+33612345678", "foreign"),
     ("02603862123", "landline"), ("0912", "invalid")],
)
def test_unusable_phone_numbers(text, reason):
    with pytest.raises(PhoneError) as exc:
        parse_phone(text)
    assert exc.value.reason == reason
