"""Table-driven tests of the answer readers: what people type on a phone, accepted or refused."""

import pytest

from bot.services.parsing import (
    FigureError,
    PhoneError,
    choice_number,
    fold,
    format_phone,
    is_done,
    is_skip,
    parse_choice,
    parse_figure,
    parse_phone,
    parse_yes_no,
    says,
)

STATUSES = ["Chưa bắt đầu", "Đang thực hiện", "Hoàn thành", "Có vướng mắc"]
TWELVE = [f"Lựa chọn thứ {i}" for i in range(1, 13)]
#: What registration passes at its confirmation card (folded words, not the button texts).
CARD = ["luu", "ho ten", "chuc vu", "so dien thoai"]

# --- yes / no -------------------------------------------------------------------------------

YES = [
    "1", "1.", "số 1", "1️⃣", "đồng ý", "Đồng ý", "dong y", "ĐỒNG Ý", "đồng ý ạ", "Đồng ý!",
    "đồng ý nhé", "dạ đồng ý ạ", "em đồng ý", "có", "Có.", "co", "có ạ", "yes", "y", "OK",
    "ok", "oke", "okie", "Ok ạ", "okay", "vâng", "vang", "vâng ạ", "Vâng!", "dạ", "dạ vâng",
    "da vang", "dạ vâng ạ", "vâng, đồng ý", "ừ", "uh", "ừm", "được", "duoc", "được ạ",
    "được rồi", "đc", "đúng", "dung", "đúng rồi", "dung rồi", "chắc chắn", "xác nhận", "👍",
    "👍🏻", "✅", "ok 👍", "có chứ", "ok luôn", "ok cảm ơn",
]
NO = [
    "2", "2)", "số 2", "không", "khong", "Không.", "KHÔNG", "không ạ", "dạ không", "dạ không ạ",
    "ko", "ko ạ", "k", "hông", "chưa", "chưa ạ", "no", "n", "nope", "không đồng ý",
    "Không đồng ý", "khong dong y", "không đồng ý ạ", "ko đồng ý", "k đồng ý", "chưa đồng ý",
    "dạ không đồng ý ạ", "không được", "không có", "thôi", "thôi ạ", "thôi, không cần",
    "không cần", "không, cảm ơn", "hủy", "huy", "huỷ", "hủy nhé", "dừng", "dừng lại", "👎",
    "❌", "sai",
]
NEITHER = [
    "maybe", "3", "", "   ", "đồng", "?", "có không", "đồng ý không", "ok không", "vâng, không",
    "được không", "a", "ạ", "nhé", "tôi chưa biết", "để em hỏi lại", "1 2", "số", "năm",
]


@pytest.mark.parametrize("text", YES)
def test_yes_in_any_form(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", NO)
def test_no_in_any_form(text):
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", NEITHER)
def test_other_answers_are_neither(text):
    assert parse_yes_no(text) is None


# --- numbered choices -----------------------------------------------------------------------

CHOSEN = [
    # digits, however dressed
    ("3", STATUSES, 2), ("3.", STATUSES, 2), ("3)", STATUSES, 2), ("(3)", STATUSES, 2),
    (" 3 ", STATUSES, 2), ("3️⃣", STATUSES, 2), ("#3", STATUSES, 2), ("[3]", STATUSES, 2),
    ("３", STATUSES, 2), ("1", STATUSES, 0), ("4!", STATUSES, 3),
    # "số N", "chọn N", "phương án N"
    ("số 2", STATUSES, 1), ("so 2", STATUSES, 1), ("Số 2.", STATUSES, 1), ("chọn 2", STATUSES, 1),
    ("chon 2", STATUSES, 1), ("chọn số 4", STATUSES, 3), ("phương án 1", STATUSES, 0),
    ("phuong an 1", STATUSES, 0), ("phương án số 3", STATUSES, 2), ("lựa chọn 2", STATUSES, 1),
    ("đáp án 4", STATUSES, 3), ("pa 2", STATUSES, 1),
    # number words, with or without diacritics
    ("một", TWELVE, 0), ("mot", TWELVE, 0), ("hai", TWELVE, 1), ("ba", TWELVE, 2),
    ("bốn", TWELVE, 3), ("bon", TWELVE, 3), ("năm", TWELVE, 4), ("nam", TWELVE, 4),
    ("sáu", TWELVE, 5), ("sau", TWELVE, 5), ("bảy", TWELVE, 6), ("bẩy", TWELVE, 6),
    ("bay", TWELVE, 6), ("tám", TWELVE, 7), ("tam", TWELVE, 7), ("chín", TWELVE, 8),
    ("chin", TWELVE, 8), ("mười", TWELVE, 9), ("muoi", TWELVE, 9), ("mười một", TWELVE, 10),
    ("mười hai", TWELVE, 11), ("Hai", STATUSES, 1), ("số hai", STATUSES, 1),
    ("chọn năm", TWELVE, 4), ("năm ạ", TWELVE, 4), ("🔟", TWELVE, 9),
    # politeness around it
    ("dạ 2", STATUSES, 1), ("2 ạ", STATUSES, 1), ("dạ 2 ạ", STATUSES, 1), ("2 nhé", STATUSES, 1),
    ("2 nha", STATUSES, 1), ("2 a", STATUSES, 1), ("2 ah", STATUSES, 1), ("ok 2", STATUSES, 1),
    ("vâng, số 2 ạ", STATUSES, 1), ("em chọn 2 nhé", STATUSES, 1), ("số 2 nhé ạ", STATUSES, 1),
    # the option's own words
    ("hoan thanh", STATUSES, 2), ("Hoàn thành", STATUSES, 2), ("HOÀN THÀNH", STATUSES, 2),
    ("hoàn thành ạ", STATUSES, 2), ("Đang thực hiện", STATUSES, 1),
    ("dang thuc hien nhe", STATUSES, 1), ("có vướng mắc!", STATUSES, 3),
    ("chọn hoàn thành", STATUSES, 2), ("dạ hoàn thành ạ", STATUSES, 2),
    ("3. Hoàn thành", STATUSES, 2), ("3 - hoàn thành", STATUSES, 2),
    # the registration card: its buttons read "Sửa họ tên", ...
    ("Sửa họ tên", CARD, 1), ("họ tên", CARD, 1), ("sửa số điện thoại", CARD, 3),
    ("số điện thoại", CARD, 3), ("Lưu", CARD, 0), ("lưu nhé", CARD, 0), ("4", CARD, 3),
    # a label that looks like a particle is still a label
    ("A", ["A", "B"], 0), ("tổ a", ["Tổ A", "Tổ B"], 0), ("Năm", ["Tháng", "Năm"], 1),
]
NOT_CHOSEN = [
    ("5", STATUSES), ("0", STATUSES), ("số 0", STATUSES), ("số 9", STATUSES), ("xyz", STATUSES),
    ("", STATUSES), ("số", STATUSES), ("chọn", STATUSES), ("1 2", STATUSES), ("1.5", STATUSES),
    ("năm nay", TWELVE), ("năm 2024", TWELVE), ("nằm", TWELVE), ("bà", TWELVE),
    ("sâu", TWELVE), ("tạm", TWELVE), ("sở 2", STATUSES), ("2. Hoàn thành", STATUSES),
    ("hoàn", STATUSES), ("chưa hoàn thành", STATUSES), ("mười ba", TWELVE), ("13", TWELVE),
    ("thực hiện", ["Đang thực hiện", "Chưa thực hiện"]), ("sửa", CARD), ("a", STATUSES),
]


@pytest.mark.parametrize(("text", "options", "index"), CHOSEN)
def test_choices_people_type(text, options, index):
    assert parse_choice(text, options) == index


@pytest.mark.parametrize(("text", "options"), NOT_CHOSEN)
def test_an_answer_matching_no_choice_is_refused(text, options):
    assert parse_choice(text, options) is None


def test_choices_by_number_or_by_words():
    assert parse_choice("3", STATUSES) == 2
    assert parse_choice("hoan thanh", STATUSES) == 2
    assert parse_choice("Đang thực hiện", STATUSES) == 1
    assert parse_choice("5", STATUSES) is None
    assert parse_choice("0", STATUSES) is None
    assert parse_choice("xyz", STATUSES) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [("2", 2), ("số 12", 12), ("dạ 7 ạ", 7), ("bảy", 7), ("99", 99), ("t1", None), ("", None),
     ("số", None), ("2 bài", None)],
)
def test_choice_number_in_any_range(text, number):
    assert choice_number(text) == number


@pytest.mark.parametrize(
    ("text", "words", "expected"),
    [("Chưa ạ", ("chua",), True), ("chọn gửi báo cáo nhé", ("gui bao cao",), True),
     ("Sửa tệp đính kèm", ("tep dinh kem",), True), ("chưa xong", ("chua",), False),
     ("", ("chua",), False)],
)
def test_says_looks_past_politeness(text, words, expected):
    assert says(text, words) is expected


# --- figures --------------------------------------------------------------------------------

FIGURES = [
    ("12", 12), ("12 bài", 12), ("khoảng 12", 12), ("khoang 12", 12), ("12 tin bài", 12),
    ("12 tin bài ạ", 12), ("dạ 12 ạ", 12), ("được 12 bài", 12), ("tổng cộng 12.", 12),
    ("1.200", 1200), ("1,200", 1200), ("1.200 lượt", 1200), ("1 000", 1000), ("0", 0),
    ("00", 0), (" 7 ", 7), ("+5", 5), ("1000000", 1_000_000), ("1.000.000", 1_000_000),
    ("không có", 0), ("Không có.", 0), ("khong co", 0), ("dạ không có ạ", 0), ("không", 0),
    ("ko có", 0), ("12 (mười hai)", 12), ("１２", 12), ("~12", 12),
]
FIGURES_REFUSED = [
    ("mười hai", "not_digits"), ("abc", "not_digits"), ("-3", "negative"),
    ("1000001", "too_large"), ("2.000.000", "too_large"), ("2 000 000", "too_large"),
    ("", "not_digits"), ("12.5", "not_digits"), ("12,5", "not_digits"), ("1.2", "not_digits"),
    ("1.2.3", "not_digits"), ("1.200,50", "not_digits"), ("12-15", "not_digits"),
    ("12 - 15", "not_digits"), ("12 bài 3 video", "not_digits"), ("12k", "not_digits"),
    ("bài2", "not_digits"), ("chưa có", "not_digits"), ("bỏ qua", "not_digits"),
    ("năm 2024 có 12 bài", "not_digits"), ("0912.345.678", "not_digits"),
]


@pytest.mark.parametrize(("text", "value"), FIGURES)
def test_figures_people_type(text, value):
    assert parse_figure(text) == value


@pytest.mark.parametrize(("text", "reason"), FIGURES_REFUSED)
def test_figures_refused_with_a_reason(text, reason):
    with pytest.raises(FigureError) as exc:
        parse_figure(text)
    assert exc.value.reason == reason


# --- folding, skip, done --------------------------------------------------------------------


def test_fold_strips_diacritics_and_d_bar():
    assert fold("  Đăk Hà  ") == "dak ha"
    assert fold("Bỏ qua") == "bo qua"


def test_skip_and_done_words():
    assert is_skip("Bỏ qua") and is_skip("skip")
    assert is_done("Xong") and is_done("done")
    assert not is_done("xong rồi nhé")


# --- phone numbers --------------------------------------------------------------------------

PHONES = [
    "0912345678", "0912 345 678", "+84912345678", "84912345678", "091.234.5678",
    "0912.345.678 (zalo)", "sđt: 0912345678", "SĐT 0912 345 678", "Sđt:0912345678",
    "+84 912 345 678", "(+84) 912 345 678", "0084912345678", "đt 091-234-5678 ạ",
    "số của em là 0912345678 nhé", "dạ 0912345678 ạ", "0912345678.", "0912 345 678 (Zalo)",
    "０９１２３４５６７８", "0912345678 hoặc 0912 345 678",
    "cơ quan 0260 3862 123, di động 0912 345 678", "+33612345678 hoặc 0912345678",
]


@pytest.mark.parametrize("text", PHONES)
def test_mobile_numbers_are_normalised(text):
    phone = parse_phone(text)
    assert phone.e164 == "+84912345678"
    assert phone.display == "0912 345 678"


@pytest.mark.parametrize(
    ("text", "e164"),
    [("0987654321", "+84987654321"), ("0352 123 456", "+84352123456"),
     ("Zalo: 0708.123.456", "+84708123456")],
)
def test_numbers_of_other_mobile_networks_are_normalised(text, e164):
    assert parse_phone(text).e164 == e164


@pytest.mark.parametrize(
    ("text", "reason"),
    [("abc", "invalid"), ("123", "invalid"), ("+33612345678", "foreign"),
     ("02603862123", "landline"), ("0912", "invalid"), ("", "invalid"),
     ("số điện thoại của em", "invalid"), ("năm 2024", "invalid"), ("091234567", "invalid"),
     ("sđt cơ quan 0260 3862 123", "landline"), ("+33 6 12 34 56 78 (Pháp)", "foreign"),
     # An impossible number first does not hide why the real one cannot be used.
     ("0123 456 789 hoặc 0260 3862 123", "landline")],
)
def test_unusable_phone_numbers(text, reason):
    with pytest.raises(PhoneError) as exc:
        parse_phone(text)
    assert exc.value.reason == reason
    assert str(exc.value) == reason  # what the log line shows


@pytest.mark.parametrize(
    ("e164", "shown"),
    [("+84912345678", "0912 345 678"), ("+842603862123", "0260 3862 123")],
)
def test_a_stored_number_is_shown_the_vietnamese_way(e164, shown):
    assert format_phone(e164) == shown


@pytest.mark.parametrize(
    "text",
    ["0912345678 hoặc 0987654321", "0912345678/0987654321", "0912345678, 0987 654 321",
     "zalo 0912345678, di động 0987.654.321"],
)
def test_two_different_mobiles_ask_which(text):
    with pytest.raises(PhoneError) as exc:
        parse_phone(text)
    assert exc.value.reason == "several"
    assert exc.value.numbers == ("0912 345 678", "0987 654 321")
