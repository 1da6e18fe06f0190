"""Bad plan files: every problem is reported as file:line field.path: message, all at once."""

from __future__ import annotations

import time
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from bot.plan import PlanError, PlanIssue, load_plan

MINIMAL = Path(__file__).parent / "fixtures" / "minimal.yaml"


def base() -> str:
    return MINIMAL.read_text(encoding="utf-8")


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing needle."""
    hits = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


def write(tmp_path: Path, text: str | bytes, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def issues_of(path: Path, locale: str = "en", **kwargs: object) -> list[PlanIssue]:
    with pytest.raises(PlanError) as caught:
        load_plan(path, locale=locale, **kwargs)  # type: ignore[arg-type]
    return caught.value.issues


def only(issues: list[PlanIssue], code: str) -> PlanIssue:
    found = [issue for issue in issues if issue.code == code]
    assert len(found) == 1, issues
    return found[0]


def test_minimal_fixture_is_valid() -> None:
    assert load_plan(MINIMAL).id == "demo"


def test_unknown_unit_in_task_lead(tmp_path: Path) -> None:
    text = base().replace("lead: bao\n", "lead: bao-kt\n")
    path = write(tmp_path, text)
    [issue] = issues_of(path)
    line = line_of(text, "lead: bao-kt")
    assert (
        str(issue) == f"{path}:{line} tasks[0].lead: unknown unit 'bao-kt' (did you mean 'bao'?)"
    )


def test_unknown_unit_message_in_vietnamese(tmp_path: Path) -> None:
    text = base().replace("lead: bao\n", "lead: bao-kt\n")
    path = write(tmp_path, text)
    [issue] = issues_of(path, locale="vi")
    assert issue.code == "unknown_unit"
    assert str(issue).startswith(f"{path}:{line_of(text, 'lead: bao-kt')} tasks[0].lead: ")
    assert "'bao-kt'" in issue.message and "đơn vị" in issue.message


def test_unknown_units_in_cooperating_deadline_and_secretariat(tmp_path: Path) -> None:
    text = (
        base()
        .replace("cooperating: [dai]", "cooperating: [dai, radio]")
        .replace("units: [bao, dai]", "units: [bao, tv]")
        .replace("secretariat: van-phong", "secretariat: so-tttt")
    )
    path = write(tmp_path, text)
    issues = issues_of(path)
    paths = {issue.path: issue for issue in issues}
    assert set(paths) == {"tasks[0].cooperating[1]", "deadlines[1].units[1]", "secretariat"}
    assert paths["tasks[0].cooperating[1]"].line == line_of(text, "cooperating: [dai, radio]")
    assert paths["deadlines[1].units[1]"].line == line_of(text, "units: [bao, tv]")
    assert paths["secretariat"].line == line_of(text, "secretariat:")
    assert all(issue.code == "unknown_unit" for issue in issues)


def test_unknown_phase_and_deadline(tmp_path: Path) -> None:
    text = (
        base()
        .replace("phases: [trong]", "phases: [trong, sau]")
        .replace("deadline: bao-cao", "deadline: bao-cao-cuoi")
    )
    path = write(tmp_path, text)
    issues = issues_of(path)
    phase = only(issues, "unknown_phase")
    assert (phase.path, phase.line) == (
        "tasks[0].phases[1]",
        line_of(text, "phases: [trong, sau]"),
    )
    assert "unknown phase 'sau'" in str(phase)
    deadline = only(issues, "unknown_deadline")
    assert deadline.path == "tasks[0].deadline"
    assert deadline.line == line_of(text, "deadline: bao-cao-cuoi")


def test_deadline_outside_campaign(tmp_path: Path) -> None:
    text = base().replace('due: "+1w"', 'due: "+3w"')
    path = write(tmp_path, text)
    [issue] = issues_of(path)
    assert issue.code == "outside_campaign"
    assert issue.path == "deadlines[1].due"
    assert issue.line == line_of(text, 'due: "+3w"')
    assert "31/03/2024 17:00" in issue.message and "17/03/2024 23:59" in issue.message


def test_absolute_deadline_left_behind_by_event_date_override(tmp_path: Path) -> None:
    text = base().replace('due: "+1w"', 'due: "2024-03-15"')
    path = write(tmp_path, text)
    assert load_plan(path).deadlines[1].due.day == 15
    [issue] = issues_of(path, event_date=date(2025, 3, 10))
    assert (issue.code, issue.path) == ("outside_campaign", "deadlines[1].due")


def test_phase_outside_campaign_and_end_before_start(tmp_path: Path) -> None:
    text = base().replace('start: "-2w"\n    end: "-1d"', 'start: "-3w"\n    end: "-4w"')
    path = write(tmp_path, text)
    issues = issues_of(path)
    assert {(i.path, i.code) for i in issues} == {
        ("phases[0].start", "outside_campaign"),
        ("phases[0].end", "end_before_start"),
    }


def test_campaign_end_before_start(tmp_path: Path) -> None:
    text = base().replace('end: "+1w"\nsecretariat', 'end: "-3w"\nsecretariat')
    path = write(tmp_path, text)
    issue = only(issues_of(path), "end_before_start")
    assert (issue.path, issue.line) == ("end", line_of(text, 'end: "-3w"'))


def test_a_unit_id_used_twice_is_reported_at_its_second_use(tmp_path: Path) -> None:
    text = base().replace("  - id: dai\n", "  - id: bao\n")
    path = write(tmp_path, text)
    issue = only(issues_of(path), "duplicate_id")
    assert issue.path == "units[2].id"
    assert issue.line == line_of(text, "- id: bao", nth=2)
    assert f"line {line_of(text, '- id: bao')}" in issue.message


def test_duplicate_metric_ids_within_a_task(tmp_path: Path) -> None:
    text = base().replace(
        '      - {id: tin-bai, label: "Số tin, bài"}\n',
        '      - {id: tin-bai, label: "Số tin, bài"}\n      - {id: tin-bai, label: "Số bài"}\n',
    )
    path = write(tmp_path, text)
    issue = only(issues_of(path), "duplicate_id")
    assert issue.path == "tasks[0].metrics[1].id"
    assert issue.line == line_of(text, "Số bài")


def test_a_key_written_twice_is_reported_at_its_second_line(tmp_path: Path) -> None:
    text = base().replace("head_title: TRƯỞNG BAN\n", "head_title: TRƯỞNG BAN\ntitle: Lần hai\n")
    path = write(tmp_path, text)
    issue = only(issues_of(path), "duplicate_key")
    assert (issue.path, issue.line) == ("title", line_of(text, "title: Lần hai"))


def test_invalid_time_zone(tmp_path: Path) -> None:
    text = base().replace("Asia/Ho_Chi_Minh", "Asia/Hanoi")
    path = write(tmp_path, text)
    [issue] = issues_of(path)
    assert str(issue) == (
        f"{path}:{line_of(text, 'timezone:')} timezone: unknown time zone 'Asia/Hanoi' "
        "(a valid example: Asia/Ho_Chi_Minh)"
    )


@pytest.mark.parametrize("content", ["", "\n", "# nothing here\n", "{}\n", "---\n"])
def test_an_empty_plan_file_is_reported_as_empty(tmp_path: Path, content: str) -> None:
    path = write(tmp_path, content)
    [issue] = issues_of(path)
    assert issue.code == "empty"
    assert str(issue) == f"{path}:1: the plan is empty: the file has no content"


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "- id: demo\n- title: x\n")
    [issue] = issues_of(path)
    assert issue.code == "not_mapping" and issue.line == 1


def test_malformed_yaml_reports_line_and_column(tmp_path: Path) -> None:
    text = base().replace("cooperating: [dai]", "cooperating: [dai")
    path = write(tmp_path, text)
    [issue] = issues_of(path)
    assert issue.code == "yaml"
    assert issue.line is not None and issue.column is not None
    assert (
        line_of(text, "cooperating: [dai") <= issue.line <= line_of(text, "cooperating: [dai") + 1
    )
    assert str(issue).startswith(f"{path}:{issue.line}:{issue.column}: malformed YAML: ")


def test_tab_indentation_is_malformed_yaml(tmp_path: Path) -> None:
    text = base().replace("  - id: bao\n", "\t- id: bao\n")
    path = write(tmp_path, text)
    [issue] = issues_of(path)
    assert (issue.code, issue.line, issue.column) == ("yaml", line_of(text, "\t- id: bao"), 1)


def test_ten_megabyte_plan_refused_fast_without_parsing(tmp_path: Path) -> None:
    path = write(tmp_path, base() + "# " + "x" * 10_000_000 + "\n")
    started = time.perf_counter()
    [issue] = issues_of(path)
    assert time.perf_counter() - started < 0.5
    assert issue.code == "too_large"
    assert str(issue).startswith(f"{path}: the plan file is 10")
    assert "1000000-byte limit" in issue.message


def test_alias_bomb_refused(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 8):
        prev = chr(ord("a") + n - 1)
        lines.append(
            f"{chr(ord('a') + n)}: &{chr(ord('a') + n)} [" + ", ".join([f"*{prev}"] * 10) + "]"
        )
    path = write(tmp_path, "\n".join(lines) + "\n")
    started = time.perf_counter()
    [issue] = issues_of(path)
    assert time.perf_counter() - started < 1
    assert issue.code == "too_many_nodes"


def test_a_plan_not_in_utf8_is_reported_at_the_bad_line(tmp_path: Path) -> None:
    path = write(tmp_path, base().encode("utf-8") + b"title2: \xff\n")
    [issue] = issues_of(path)
    assert issue.code == "not_utf8"
    assert issue.line == base().count("\n") + 1


def test_a_missing_plan_file_is_reported_as_unreadable() -> None:
    [issue] = issues_of(Path("/nonexistent/plan.yaml"))
    assert issue.code == "unreadable"
    assert str(issue).startswith("/nonexistent/plan.yaml: ")


def test_unknown_field_typo_with_suggestion(tmp_path: Path) -> None:
    text = (
        base().replace("    lead: bao\n", "    leed: bao\n").replace("head_title:", "head_titel:")
    )
    path = write(tmp_path, text)
    issues = issues_of(path)
    typo = next(i for i in issues if i.path == "tasks[0].leed")
    assert typo.line == line_of(text, "leed: bao")
    assert typo.message == "unknown field 'leed' in the plan format (did you mean 'lead'?)"
    top = next(i for i in issues if i.path == "head_titel")
    assert "did you mean 'head_title'" in top.message
    # The misspelt fields are then missing.
    assert {i.path for i in issues if i.code == "missing"} == {"tasks[0].lead", "head_title"}


def test_missing_field_points_at_its_parent(tmp_path: Path) -> None:
    text = base().replace("    asks: Đưa tin.\n", "")
    path = write(tmp_path, text)
    [issue] = issues_of(path)
    assert (issue.code, issue.path) == ("missing", "phases[1].asks")
    assert issue.line == line_of(text, "- id: trong")


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("-7 d", "bad_when"),
        ("7 days before", "bad_when"),
        ("+5d 25:00", "bad_day"),
        ("2024-02-30", "bad_day"),
        ("28/11/2023", "bad_when"),
        ("17:00", "bad_when"),
    ],
)
def test_bad_date_syntax(tmp_path: Path, written: str, code: str) -> None:
    text = base().replace('due: "-7d"', f"due: {written}")
    path = write(tmp_path, text)
    [issue] = issues_of(path)
    assert (issue.code, issue.path) == (code, "deadlines[0].due")
    assert issue.line == line_of(text, f"due: {written}")
    assert f"'{written}'" in issue.message


def test_bad_event_date_and_bad_id(tmp_path: Path) -> None:
    text = (
        base()
        .replace("event_date: 2024-03-10", "event_date: 10/03/2024")
        .replace("id: dua-tin", "id: Đưa_tin")
    )
    path = write(tmp_path, text)
    issues = issues_of(path)
    assert {(i.path, i.code) for i in issues} == {
        ("event_date", "bad_date"),
        ("tasks[0].id", "bad_id"),
    }


def test_bad_kind_and_bool(tmp_path: Path) -> None:
    text = (
        base()
        .replace("kind: report", "kind: reprot")
        .replace(
            "focal_point_required: true\n  - id: dai", "focal_point_required: maybe\n  - id: dai"
        )
    )
    path = write(tmp_path, text)
    issues = issues_of(path)
    kind = only(issues, "bad_choice")
    assert kind.path == "deadlines[1].kind"
    assert "registration, report, consolidation" in kind.message
    assert only(issues, "not_bool").path == "units[1].focal_point_required"


def test_lead_listed_as_cooperating_and_unit_listed_twice(tmp_path: Path) -> None:
    text = base().replace("cooperating: [dai]", "cooperating: [dai, bao, dai]")
    path = write(tmp_path, text)
    issues = issues_of(path)
    assert {(i.path, i.code) for i in issues} == {
        ("tasks[0].cooperating[1]", "lead_cooperates"),
        ("tasks[0].cooperating[2]", "listed_twice"),
    }


def test_all_errors_are_collected_and_sorted_by_line(tmp_path: Path) -> None:
    text = (
        base()
        .replace("Asia/Ho_Chi_Minh", "Mars/Olympus")
        .replace("lead: bao\n", "lead: bao-kt\n")
        .replace("kind: report", "kind: nope")
    )
    path = write(tmp_path, text)
    with pytest.raises(PlanError) as caught:
        load_plan(path, locale="en")
    issues = caught.value.issues
    assert [i.code for i in issues] == ["bad_timezone", "unknown_unit", "bad_choice"]
    lines = str(caught.value).splitlines()
    assert lines == [str(issue) for issue in issues]
    assert [i.line for i in issues] == sorted(i.line or 0 for i in issues)


def test_malformed_reference_reported_once(tmp_path: Path) -> None:
    text = base().replace("lead: bao\n", "lead: Báo\n")
    path = write(tmp_path, text)
    [issue] = issues_of(path)
    assert issue.code == "bad_id"


def test_issue_messages_are_nfc(tmp_path: Path) -> None:
    text = base().replace("lead: bao\n", "lead: bao-kt\n")
    path = write(tmp_path, text)
    [issue] = issues_of(path, locale="vi")
    assert unicodedata.is_normalized("NFC", issue.message)


def test_number_instead_of_date_time(tmp_path: Path) -> None:
    text = base().replace('due: "-7d"', "due: 7")
    path = write(tmp_path, text)
    [issue] = issues_of(path)
    assert (issue.code, issue.path, issue.message[:5]) == ("bad_when", "deadlines[0].due", "'7' i")


@pytest.mark.parametrize("tagged", ["!!int abc", "!!timestamp xyz"])
def test_bad_explicit_yaml_tag(tmp_path: Path, tagged: str) -> None:
    text = base().replace("number: 1", f"number: {tagged}")
    path = write(tmp_path, text)
    [issue] = issues_of(path)
    assert issue.code == "yaml"


def test_leading_zero_is_decimal(tmp_path: Path) -> None:
    text = base().replace("number: 1", "number: 08")
    assert load_plan(write(tmp_path, text)).agenda[0].number == 8
