"""The plan example in the README is a valid plan."""

import re
from pathlib import Path

from bot.plan import check_plan, load_plan

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_plan_example_loads(tmp_path):
    block, levels, periodic = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    path = tmp_path / "example.yaml"
    path.write_text(block, encoding="utf-8")
    plan = load_plan(path)
    assert plan.deadlines[0].due.strftime("%d/%m/%Y %H:%M") == "12/01/2027 17:00"
    # The levels example: a task for every commune, one deadline per level, no warning.
    path.write_text(levels, encoding="utf-8")
    plan, warnings = check_plan(path)
    assert warnings == []
    assert plan.tasks[0].lead_units == ("xa-1", "xa-2", "xa-3")
    assert [d.units for d in plan.deadlines][1:] == [("huyen-a", "huyen-b"), ("so-noi-vu",)]
    target = plan.tasks[0].metrics[0].target
    assert target is not None
    assert [target.for_unit(u) for u in ("xa-1", "xa-2", "xa-3", "huyen-a")] == [12, 12, 20, None]
    # The periodic example: one deadline per week and per month, with the windows it says.
    path.write_text(periodic, encoding="utf-8")
    plan, warnings = check_plan(path)
    assert warnings == []
    week = next(d for d in plan.deadlines if d.id == "tuan@2026-W47")
    assert week.due.strftime("%d/%m %H:%M") == "23/11 17:00" and week.period is not None
    assert (week.period.start.day, week.period.end.day) == (16, 22)
    month = next(d for d in plan.deadlines if d.id == "thang@2026-11")
    assert month.due.strftime("%d/%m %H:%M") == "16/11 10:00" and month.period is not None
    assert month.period.start.strftime("%d/%m") == "15/10"
    assert month.period.end.strftime("%d/%m") == "14/11"
