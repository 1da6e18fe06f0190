"""Issue 15, point 4: a target for every member of a group (``targets[].groups``)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.summary import UnitFigure
from bot.plan import load_plan_checked, plan_to_json, timeline_lines
from bot.services.summary import target_progress

PLAN = """\
id: group-targets-test
title: Treo cờ Tổ quốc
issuing_body: UBND HUYỆN
timezone: Asia/Ho_Chi_Minh
event_date: 2026-11-30
start: 2026-11-01
end: 2026-12-31
secretariat: vp
head_title: CHỦ TỊCH
report_symbol: BC-UBND
groups:
  - {id: cac-xa, name: Các xã, kind: xa}
  - {id: cac-phuong, name: Các phường, members: [phuong-1, phuong-2]}
units:
  - {id: vp, name: Văn phòng UBND huyện}
  - {id: xa-1, name: UBND xã 1, kind: xa, focal_point_required: true}
  - {id: xa-2, name: UBND xã 2, kind: xa, focal_point_required: true}
  - {id: xa-3, name: UBND xã 3, kind: xa, focal_point_required: true}
  - {id: phuong-1, name: UBND phường 1, focal_point_required: true}
  - {id: phuong-2, name: UBND phường 2, focal_point_required: true}
tasks:
  - id: co-xa
    lead: cac-xa
    text: Treo cờ ở các thôn
    metrics: [{id: co, label: Số lá cờ, unit: lá}]
  - id: co-phuong
    lead: cac-phuong
    text: Treo cờ ở các tổ dân phố
    metrics: [{id: co, label: Số lá cờ, unit: lá}]
deadlines:
  - {id: bao-cao, title: Báo cáo kết quả, due: 2026-11-28, kind: report, units: [cac-xa, cac-phuong]}
targets:
  - {metric: co, total: 55, groups: {cac-xa: 10, cac-phuong: 5}, units: {xa-3: 15}}
"""


def _load(tmp_path: Path, text: str = PLAN):
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return load_plan_checked(path)


def test_every_member_of_a_group_gets_the_group_s_target_and_a_unit_its_own(tmp_path):
    plan, warnings = _load(tmp_path)
    assert warnings == []
    target = plan.tasks[0].metrics[0].target
    assert target is not None
    assert {unit.id: target.for_unit(unit.id) for unit in plan.units} == {
        "vp": None, "xa-1": Decimal(10), "xa-2": Decimal(10), "xa-3": Decimal(15),
        "phuong-1": Decimal(5), "phuong-2": Decimal(5)}


def test_the_units_below_a_group_target_are_named_against_their_own_figure(tmp_path):
    plan, _ = _load(tmp_path)
    # xa-1 hung 10 (met), xa-2 7 of 10, xa-3 12 of its own 15, phuong-1 5, phuong-2 nothing.
    figures = [UnitFigure("xa-1", "co", 10), UnitFigure("xa-2", "co", 7),
               UnitFigure("xa-3", "co", 12), UnitFigure("phuong-1", "co", 5)]
    [co] = target_progress(plan, {"co": 34}, figures)
    assert co.result == Decimal(34) and co.target == Decimal(55)
    assert [(u.unit_id, u.result, u.target) for u in co.units] == [
        ("xa-1", 10, 10), ("xa-2", 7, 10), ("xa-3", 12, 15), ("phuong-1", 5, 5),
        ("phuong-2", 0, 5)]
    assert [(u.unit_id, u.percent) for u in co.below] == [
        ("xa-2", 70), ("xa-3", 80), ("phuong-2", 0)]


def test_plan_check_prints_a_group_s_target_by_its_name_and_json_keeps_it(tmp_path):
    plan, _ = _load(tmp_path)
    assert ("  • Số lá cờ: toàn kế hoạch 55 lá; mỗi đơn vị của Các xã 10 lá; "
            "mỗi đơn vị của Các phường 5 lá; 1 đơn vị có chỉ tiêu riêng") in timeline_lines(plan)
    target = plan_to_json(plan)["tasks"][0]["metrics"][0]["target"]
    assert target["groups"] == {"cac-xa": 10, "cac-phuong": 5}
    assert target["units"] == {"xa-3": 15}


def test_an_unknown_group_is_warned_about_with_a_suggestion_and_ignored(tmp_path):
    plan, warnings = _load(tmp_path, PLAN.replace("groups: {cac-xa: 10,", "groups: {cac-xaa: 10,"))
    [warning] = warnings
    assert warning.code == "warn_target_unknown_group"
    assert warning.path == "targets[0].groups.cac-xaa"
    assert warning.line == PLAN.splitlines().index(
        "  - {metric: co, total: 55, groups: {cac-xa: 10, cac-phuong: 5}, units: {xa-3: 15}}") + 1
    assert "không có nhóm này" in warning.message and "(có phải 'cac-xa'?)" in warning.message
    target = plan.tasks[0].metrics[0].target
    assert target is not None and target.for_unit("xa-1") is None
    assert target.for_unit("phuong-1") == Decimal(5)


def test_a_group_target_for_members_that_report_nothing_of_it_is_warned_about(tmp_path):
    text = PLAN.replace("  - id: co-phuong\n    lead: cac-phuong", "  - id: co-phuong\n"
                        "    lead: phuong-1")
    _, warnings = _load(tmp_path, text)
    [warning] = [w for w in warnings if w.code.startswith("warn_target")]
    assert warning.code == "warn_target_group_not_reporting"
    assert warning.path == "targets[0].groups.cac-phuong"
    assert "1 đơn vị" in warning.message and "phuong-2" in warning.message


def test_a_unit_in_two_groups_with_different_targets_is_warned_about(tmp_path):
    text = PLAN.replace("members: [phuong-1, phuong-2]}", "members: [phuong-1, phuong-2, xa-1]}")
    plan, warnings = _load(tmp_path, text)
    [warning] = warnings
    assert warning.code == "warn_target_unit_two_groups"
    assert "'cac-phuong'" in warning.message and "'cac-xa'" in warning.message
    assert "xa-1" in warning.message
    target = plan.tasks[0].metrics[0].target
    assert target is not None and target.for_unit("xa-1") == Decimal(10)  # the first listed


def test_an_inline_target_takes_groups_too(tmp_path):
    text = PLAN.replace("metrics: [{id: co, label: Số lá cờ, unit: lá}]\n  - id: co-phuong",
                        "metrics: [{id: co, label: Số lá cờ, unit: lá, "
                        "target: {groups: {cac-xa: 8}}}]\n  - id: co-phuong", 1)
    text = text.split("targets:\n")[0]
    plan, warnings = _load(tmp_path, text)
    assert warnings == []
    target = plan.tasks[0].metrics[0].target
    assert target is not None and target.for_unit("xa-2") == Decimal(8)


@pytest.mark.parametrize("strict", [False, True])
def test_plan_check_exit_code_with_an_unknown_group(tmp_path, capsys, strict):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace("cac-phuong: 5}", "cac-phuongg: 5}"), encoding="utf-8")
    args = ["plan", "check", *(["--strict"] if strict else []), str(path)]
    assert main(args) == (1 if strict else 0)
    err = capsys.readouterr().err
    assert "plan.yaml:" in err and "cac-phuongg" in err
