"""`plan check --json` data, the human timeline and the JSON Schema of the format."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from bot.domain.plan import Plan
from bot.plan import load_plan, plan_json_schema, plan_to_json, timeline_lines

KONTUM = Path(__file__).resolve().parents[2] / "plans" / "kontum-2023.yaml"
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(KONTUM)


def test_plan_to_json_shape(plan: Plan) -> None:
    data = plan_to_json(plan)
    json.dumps(data, ensure_ascii=False)
    campaign = data["campaign"]
    assert {"id", "title", "issuing_body", "timezone", "event_date", "start", "end"} <= set(
        campaign
    )
    assert campaign["event_date"] == "2023-12-05"
    assert data["secretariat"] == "so-tttt"
    assert data["units"][0] == {
        "id": "bdbp",
        "name": "Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
        "short_name": "BĐBP tỉnh",
        "focal_point_required": True,
    }
    assert {"id", "name", "start", "end"} <= set(data["phases"][0])
    assert len(data["agenda"]) == 9
    deadline = data["deadlines"][0]
    assert deadline == {
        "id": "dang-ky-dau-moi",
        "title": deadline["title"],
        "due": "2023-11-28T17:00:00+07:00",
        "kind": "registration",
        "units": deadline["units"],
    }
    assert len(deadline["units"]) == 11
    task = data["tasks"][0]
    assert {"id", "lead", "cooperating", "phases", "metrics"} <= set(task)
    assert task["metrics"][0] == {"id": "tin-bai", "label": "Số tin, bài"}


def test_plan_to_json_date_times_carry_offset(plan: Plan) -> None:
    data = plan_to_json(plan)
    stamps = [data["campaign"]["start"], data["campaign"]["end"]]
    stamps += [p[key] for p in data["phases"] for key in ("start", "end")]
    stamps += [d["due"] for d in data["deadlines"]]
    assert stamps and all(ISO_WITH_OFFSET.match(stamp) for stamp in stamps)
    assert data["phases"][1]["start"] == "2023-12-05T00:00:00+07:00"


def test_timeline_in_vietnamese(plan: Plan) -> None:
    lines = timeline_lines(plan)
    text = "\n".join(lines)
    assert lines[0].startswith("Kế hoạch: Thông tin, tuyên truyền")
    assert "01/11/2023 00:00 – 20/12/2023 23:59" in text
    assert "Trọng tâm: 05/12/2023 00:00 – 15/12/2023 23:59" in text
    assert "28/11/2023 17:00" in text and "15/12/2023 17:00" in text and "20/12/2023 17:00" in text
    assert "(9) Lễ tiễn Bộ trưởng Bộ Quốc phòng Lào và Campuchia" in text
    assert "Đơn vị phải cử đầu mối (11):" in text
    assert "BĐBP tỉnh — Bộ Chỉ huy Bộ đội Biên phòng tỉnh" in text
    assert lines[-1] == f"Số nhiệm vụ được phân công: {len(plan.tasks)}"


def test_timeline_in_english(plan: Plan) -> None:
    text = "\n".join(timeline_lines(plan, "en"))
    assert "Units that must name a focal point (11):" in text
    assert "Deadlines (3):" in text
    assert "28/11/2023 17:00" in text


def test_timeline_deadlines_in_date_order(plan: Plan) -> None:
    lines = timeline_lines(plan)
    dues = [line for line in lines if line.startswith("  • ") and "/2023 17:00 — " in line]
    assert [line[4:14] for line in dues] == ["28/11/2023", "15/12/2023", "20/12/2023"]


def test_json_schema_of_the_format() -> None:
    schema = plan_json_schema()
    json.dumps(schema)
    properties = schema["properties"]
    for key in (
        "id",
        "title",
        "issuing_body",
        "timezone",
        "event_date",
        "start",
        "end",
        "focus",
        "secretariat",
        "head_title",
        "recipients",
        "units",
        "phases",
        "agenda",
        "tasks",
        "deadlines",
    ):
        assert key in properties
    assert schema["additionalProperties"] is False
    assert {"id", "title", "units", "event_date"} <= set(schema["required"])
    assert properties["start"]["pattern"]


def test_plan_texts_exist_in_both_catalogues_with_same_placeholders() -> None:
    from string import Formatter

    from bot.texts import catalogue

    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in Formatter().parse(template) if name}

    vi = {k: v for k, v in catalogue("vi").items() if k.startswith("plan.")}
    en = {k: v for k, v in catalogue("en").items() if k.startswith("plan.")}
    assert vi and vi.keys() == en.keys()
    for key in vi:
        assert fields(vi[key]) == fields(en[key]), key
        assert unicodedata.is_normalized("NFC", vi[key])
