"""Buttons as a focal point reads them on a phone: whole words, "…" where a label is cut."""

from __future__ import annotations

from bot.channels.telegram.render import BUTTON_LIMIT, button_label, render_markup
from bot.services.replies import Choice, Reply
from bot.services.reporting import TASK_LABEL, shorten


def test_every_task_button_of_the_shipped_plan_ends_on_a_whole_word(kontum_plan):
    tasks = kontum_plan.tasks
    choices = tuple(Choice("reports.task_choice", {"text": shorten(task.text, TASK_LABEL)})
                    for task in tasks)
    markup = render_markup(Reply("reports.ask_task", {}, choices, step="task"), "vi")
    assert markup is not None
    cut = 0
    for row, task in zip(markup.inline_keyboard, tasks, strict=True):
        label = row[0].text
        assert len(label) <= BUTTON_LIMIT
        number, _, text = label.partition(". ")
        words = " ".join(task.text.split())
        if text.endswith("…"):
            cut += 1
            kept = text[:-1]
            # The cut falls between two words of the task: "…của Chương trình", not "…Chương trì".
            assert words.startswith(kept) and words[len(kept)] in " ,;:.", label
        else:
            assert text == words, label
    assert cut > 0  # the shipped plan has task texts longer than a button


def test_a_label_of_one_long_word_is_still_cut_with_an_ellipsis():
    label = button_label(2, "x" * 100)
    assert label.startswith("2. x") and label.endswith("…") and len(label) <= BUTTON_LIMIT
