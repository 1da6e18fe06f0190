"""The plan example in the README is a valid plan."""

import re
from pathlib import Path

from bot.plan import load_plan

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_plan_example_loads(tmp_path):
    [block] = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    path = tmp_path / "example.yaml"
    path.write_text(block, encoding="utf-8")
    plan = load_plan(path)
    assert plan.deadlines[0].due.strftime("%d/%m/%Y %H:%M") == "12/01/2027 17:00"
