"""What an erasure looks for and what it leaves: a person's addresses, names and phone numbers
found anywhere in stored JSON, and replaced by the placeholder."""

from bot.domain.address import Address
from bot.domain.privacy import PersonTraces, erased_address

ZALO = Address("zalo", "6ede9afa66b88fe6d6a9")
TELEGRAM = Address("telegram", "42")


def _traces() -> PersonTraces:
    # Built inside each test, so a deliberate bug in `PersonTraces.of` shows in the test.
    return PersonTraces.of([ZALO, TELEGRAM, None], ["Đỗ Thị Hạnh", "Vy", "", "  "],
                           ["+84987654321", None])


def test_the_placeholder_names_the_erased_seat_on_no_channel():
    assert erased_address(17) == Address("erased", "17")
    assert str(erased_address(17)) == "erased:17"


def test_a_two_letter_name_is_a_trace_but_blanks_are_not():
    traces = _traces()
    assert traces.names == ("Vy", "Đỗ Thị Hạnh")
    assert traces.phones == ("+84987654321",)
    assert traces.addresses == frozenset({ZALO, TELEGRAM})
    assert traces.scrub("Chị Vy gửi báo cáo") == "Chị  gửi báo cáo"


def test_a_name_is_found_whatever_its_case():
    traces = _traces()
    assert traces.scrub("Người gửi: ĐỖ THỊ HẠNH.", "[đã xoá]") == "Người gửi: [đã xoá]."


def test_a_phone_number_is_found_in_every_usual_format():
    traces = _traces()
    for written in ("+84 987 654 321", "0987.654.321", "84987654321", "0987-654-321"):
        assert traces.in_text(f"Gọi {written} nhé"), written
        assert traces.scrub(f"Gọi {written} nhé", "…") == "Gọi … nhé", written
    assert not traces.in_text("Gọi 0987 654 320 nhé")


def test_an_address_is_found_inside_a_text_and_its_bare_id_as_a_whole_value():
    traces = _traces()
    assert traces.scrub(f"sent to {ZALO}", "x") == "sent to x"
    assert traces.scrub(ZALO.id, "x") == "x"
    assert traces.scrub(f"{ZALO.id} and more", "x") == f"{ZALO.id} and more"
    assert traces.scrub("42", "x") == "x" and traces.scrub(42, "x") == "x"
    assert traces.scrub(43, "x") == 43 and traces.scrub(True, "x") is True
    assert traces.scrub("None of it", "x") == "None of it"


def test_nested_values_are_scrubbed_with_the_placeholder_and_the_rest_kept():
    traces = _traces()
    value = {"to": str(ZALO), "items": [{"name": "Đỗ Thị Hạnh"}, 42, "ok"], "n": 3, "keep": None}
    assert traces.scrub(value, "[erased]") == {
        "to": "[erased]", "items": [{"name": "[erased]"}, "[erased]", "ok"], "n": 3,
        "keep": None}
    assert traces.scrub(["Vy", ("Vy",)]) == ["", [""]]


def test_a_value_mentions_the_person_only_where_a_trace_is():
    traces = _traces()
    assert traces.mentioned_in({"text": "Gọi 0987 654 321"})
    assert traces.mentioned_in({str(TELEGRAM): 1})
    assert traces.mentioned_in([1, 2, 42])
    assert traces.mentioned_in({"from": {"id": ZALO.id}})
    assert not traces.mentioned_in({"from": {"id": 43}, "ok": True, "none": None, "x": 1.5})
    assert not traces.mentioned_in(None) and not traces.mentioned_in(43)
