"""Units with a parent, groups of units, tasks given to a group, and `plan check` warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.plan import PlanError, check_plan, load_plan
from tests.plan.test_plan_errors import base, issues_of, line_of, only, write

LEVELS = """\
units:
  - id: van-phong
    name: Văn phòng
  - {id: huyen-a, name: UBND huyện A, kind: huyen, focal_point_required: true}
  - {id: huyen-b, name: UBND huyện B, kind: huyen, focal_point_required: true}
  - {id: xa-1, name: UBND xã 1, kind: xa, parent: huyen-a, focal_point_required: true}
  - {id: xa-2, name: UBND xã 2, kind: xa, parent: huyen-a, focal_point_required: true}
  - {id: xa-3, name: UBND xã 3, kind: xa, parent: huyen-b, focal_point_required: true}
groups:
  - {id: cac-xa, name: Các xã, kind: xa}
  - {id: huyen-a-xa, name: Các xã huyện A, members: [xa-1, xa-2]}
phases:
"""

TASKS = """\
tasks:
  - id: treo-co
    lead: cac-xa
    cooperating: [huyen-a]
    text: Treo cờ.
    deadline: bao-cao
deadlines:
  - id: bao-cao
    title: Các xã báo cáo
    due: "+1w"
    kind: report
    units: [cac-xa]
  - id: tong-hop
    title: Các huyện tổng hợp
    due: "+1w 17:30"
    kind: consolidation
    units: [huyen-a, huyen-b]
"""


def levels(text: str | None = None) -> str:
    """The minimal plan with two levels of units and a task for every commune."""
    text = text or base()
    head, _, rest = text.partition("units:\n")
    _, _, rest = rest.partition("phases:\n")
    rest, _, _ = rest.partition("tasks:\n")
    # A report symbol, so that the only warnings are those each test is about.
    return "report_symbol: BC-VP\n" + head + LEVELS + rest + TASKS


def test_a_task_given_to_a_group_is_each_members_own(tmp_path: Path) -> None:
    plan = load_plan(write(tmp_path, levels()))

    [task] = plan.tasks
    assert task.lead_units == ("xa-1", "xa-2", "xa-3") and task.for_group
    assert task.cooperating == ("huyen-a",)
    assert [t.id for t in plan.tasks_of("xa-3")] == ["treo-co"] and task.leads_it("xa-3")
    assert not task.leads_it("huyen-a") and task.involves("huyen-a")
    assert plan.deadlines[0].units == ("xa-1", "xa-2", "xa-3")
    assert plan.group("huyen-a-xa").members == ("xa-1", "xa-2")
    assert plan.children_of("huyen-a") == ("xa-1", "xa-2")
    assert plan.subtree("huyen-b") == ("huyen-b", "xa-3") and plan.is_parent("huyen-b")
    assert plan.unit("xa-1").parent == "huyen-a" and plan.unit("xa-1").kind == "xa"


def test_a_plan_without_the_new_fields_loads_as_before() -> None:
    kontum = load_plan(Path(__file__).parents[2] / "plans" / "kontum-2023.yaml")
    assert kontum.groups == () and not any(unit.parent for unit in kontum.units)
    assert all(task.lead_units == (task.lead,) for task in kontum.tasks)


def test_an_unknown_parent_is_named_with_its_line(tmp_path: Path) -> None:
    text = levels().replace("parent: huyen-b", "parent: huyen-c")
    path = write(tmp_path, text)
    issue = only(issues_of(path), "unknown_unit")
    assert issue.line == line_of(text, "parent: huyen-c")
    assert issue.path == "units[5].parent" and "huyen-c" in issue.message


def test_parents_may_not_loop(tmp_path: Path) -> None:
    text = levels().replace(
        "{id: huyen-a, name: UBND huyện A, kind: huyen,",
        "{id: huyen-a, name: UBND huyện A, kind: huyen, parent: xa-1,",
    )
    issue = only(issues_of(write(tmp_path, text)), "parent_loop")
    assert "huyen-a" in issue.message and "xa-1" in issue.message


def test_a_unit_cannot_be_its_own_parent(tmp_path: Path) -> None:
    text = levels().replace("parent: huyen-b", "parent: xa-3")
    assert only(issues_of(write(tmp_path, text)), "own_parent").path == "units[5].parent"


def test_a_group_may_not_take_a_units_id(tmp_path: Path) -> None:
    text = levels().replace("{id: cac-xa, name: Các xã,", "{id: xa-1, name: Các xã,")
    issue = only(issues_of(write(tmp_path, text)), "group_is_unit")
    assert issue.path == "groups[0].id"


def test_a_group_member_must_be_a_unit(tmp_path: Path) -> None:
    text = levels().replace("members: [xa-1, xa-2]", "members: [xa-1, xa-9]")
    issue = only(issues_of(write(tmp_path, text)), "unknown_unit")
    assert issue.path == "groups[1].members[1]"


def test_a_list_where_one_id_is_allowed_is_named_unsupported(tmp_path: Path) -> None:
    text = base().replace("deadline: bao-cao\n", "deadline: [bao-cao, dang-ky]\n")
    path = write(tmp_path, text)
    issue = only(issues_of(path, locale="vi"), "unsupported_list")
    assert issue.line == line_of(text, "deadline: [bao-cao")
    assert "chưa hỗ trợ một danh sách" in issue.message and "tách nhiệm vụ" in issue.message
    lead = base().replace("lead: bao\n", "lead: [bao, dai]\n")
    issue = only(issues_of(write(tmp_path, lead)), "unsupported_list")
    assert "groups" in issue.message


# --- warnings: the plan loads, `plan check` warns, `plan check --strict` fails -------------


def warnings_of(tmp_path: Path, text: str) -> list:
    _plan, warnings = check_plan(write(tmp_path, text), locale="en")
    return warnings


def test_the_two_level_plan_has_no_warning(tmp_path: Path) -> None:
    assert warnings_of(tmp_path, levels()) == []


def test_an_empty_group_is_a_warning(tmp_path: Path) -> None:
    text = levels().replace("{id: huyen-a-xa, name: Các xã huyện A, members: [xa-1, xa-2]}",
                            "{id: huyen-a-xa, name: Các xã huyện A, kind: phuong}")
    [warning] = warnings_of(tmp_path, text)
    assert warning.code == "empty_group" and warning.path == "groups[1]"
    assert warning.line == line_of(text, "id: huyen-a-xa")
    assert "list members" in warning.message


def test_a_deadline_whose_units_have_nothing_due(tmp_path: Path) -> None:
    text = levels().replace("    units: [cac-xa]\n", "    units: [cac-xa, huyen-b]\n")
    [warning] = warnings_of(tmp_path, text)
    assert warning.code == "units_nothing_due" and "huyen-b" in warning.message
    assert warning.line == line_of(text, "units: [cac-xa, huyen-b]")
    text = levels().replace("    units: [cac-xa]\n", "    units: [huyen-b]\n")
    [warning] = warnings_of(tmp_path, text)
    assert warning.code == "deadline_nothing_due" and "bao-cao" in warning.message


def test_a_task_nobody_can_report(tmp_path: Path) -> None:
    text = levels().replace("{id: xa-3, name: UBND xã 3, kind: xa, parent: huyen-b, "
                            "focal_point_required: true}",
                            "{id: xa-3, name: UBND xã 3, kind: xa, parent: huyen-b}")
    [warning] = warnings_of(tmp_path, text)
    assert warning.code == "group_members_cannot_report" and "xa-3" in warning.message
    assert "focal_point_required: true" in warning.message
    single = base().replace("  - id: bao\n    name: Báo tỉnh\n    focal_point_required: true\n",
                            "  - id: bao\n    name: Báo tỉnh\n")
    codes = [w.code for w in warnings_of(tmp_path, single)]
    assert "lead_cannot_report" in codes


def test_a_consolidation_by_a_unit_nobody_reports_to(tmp_path: Path) -> None:
    text = levels().replace("units: [huyen-a, huyen-b]", "units: [huyen-a, xa-1]")
    [warning] = warnings_of(tmp_path, text)
    assert warning.code == "consolidates_nothing" and "xa-1" in warning.message


def test_plan_check_warns_and_strict_fails(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    text = levels().replace("    units: [cac-xa]\n", "    units: [cac-xa, huyen-b]\n")
    path = write(tmp_path, text)
    assert main(["plan", "check", str(path)]) == 0
    err = capsys.readouterr().err
    assert f"{path}:{line_of(text, 'units: [cac-xa, huyen-b]')}" in err and "huyen-b" in err
    assert main(["plan", "check", "--strict", str(path)]) == 1
    assert main(["plan", "check", "--strict", str(write(tmp_path, levels(), "ok.yaml"))]) == 0


def test_the_shipped_plans_pass_strict_checks_but_kontum_names_its_silent_leads() -> None:
    root = Path(__file__).parents[2] / "plans"
    _plan, warnings = check_plan(root / "phutho-bau-cu-2026.yaml")
    assert warnings == []
    _plan, warnings = check_plan(root / "kontum-2023.yaml")
    # Telecom enterprises and "all departments" hold duties but name no focal point (VI.2).
    assert {w.code for w in warnings} == {"lead_cannot_report"}
    with pytest.raises(PlanError):
        load_plan(root / "missing.yaml")


def test_the_timeline_names_groups_and_parents(tmp_path: Path) -> None:
    from bot.plan import timeline_lines
    from tests.support import plain

    lines = timeline_lines(load_plan(write(tmp_path, levels())))
    assert plain("plan.tl_group", id="cac-xa", name="Các xã", count=3) in lines
    assert plain("plan.tl_level", name="UBND huyện A", count=2) in lines
    kontum = timeline_lines(load_plan(Path(__file__).parents[2] / "plans" / "kontum-2023.yaml"))
    assert not [line for line in kontum if "Nhóm đơn vị" in line or "cấp trên" in line]
