"""`daumoi summary [--json]` and `daumoi export docx|xlsx -o FILE`, run in-process."""

from __future__ import annotations

import asyncio
import io
import json

from docx import Document
from openpyxl import load_workbook

from bot.plan import load_plan
from storage.db import create_engine
from storage.uow import make_uow_factory
from tests.conftest import KONTUM
from tests.summary_support import kontum_campaign
from tests.support import plain
from tests.test_cli import environment, run  # noqa: F401 - the CLI's environment fixture

KONTUM_PLAN = load_plan(KONTUM)


def _seed(tmp_path) -> None:
    async def seed() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
        try:
            await kontum_campaign(load_plan(KONTUM)).store(make_uow_factory(engine))
        finally:
            await engine.dispose()

    asyncio.run(seed())


def test_summary_json_of_an_empty_campaign(capsys):
    code, out, _ = run(capsys, "summary", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["focal_points"]["registered"] == 0 and data["focal_points"]["required"] == 11
    assert data["figures"] == {}
    assert {d["id"] for d in data["deadlines"]} == {"dang-ky-dau-moi", "bao-cao-don-vi",
                                                   "bao-cao-tong-hop"}


def test_summary_json_after_a_scripted_campaign(capsys, tmp_path):
    run(capsys, "summary", "--json")  # creates the database and loads the plan
    _seed(tmp_path)
    code, out, _ = run(capsys, "summary", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["focal_points"] == {"registered": 9, "required": 11,
                                    "missing": ["so-ngoai-vu", "cong-an"]}
    report = next(d for d in data["deadlines"] if d["id"] == "bao-cao-don-vi")
    assert report["on_time"] == ["so-vhttdl", "bao-kon-tum"]
    assert report["late"] == ["cong-ttdt"]
    assert report["in_progress"] == ["bdbp", "ubnd-ngoc-hoi", "dai-ptth"]
    assert "ubnd-dak-ha" in report["missing"] and "bdbp" not in report["missing"]
    units = {u["id"]: u for u in data["units"]}
    assert units["dai-ptth"]["tasks"]["problem"] == 1
    # The correction (v2, done) replaced v1 (in progress): every task of Báo Kon Tum is done.
    assert units["bao-kon-tum"]["tasks"]["in_progress"] == 0
    assert units["bao-kon-tum"]["tasks"]["done"] == len(KONTUM_PLAN.tasks_of("bao-kon-tum"))
    assert units["ubnd-dak-ha"]["reminders"] == 2
    assert data["figures"]["Số tin, bài"] > 0


def test_summary_text_is_the_chat_summary_without_markup(capsys):
    code, out, _ = run(capsys, "summary")
    assert code == 0
    assert plain("summary.focal_points_due", registered=0, required=11,
                 due="28/11/2023 17:00", remaining="x").split(" — ")[0] in out
    assert "<b>" not in out


def test_export_writes_the_word_and_excel_files(capsys, tmp_path):
    code, out, _ = run(capsys, "export", "docx", "-o", str(tmp_path / "bc.docx"))
    assert code == 0 and out.strip() == plain("summary.cli_written", path=tmp_path / "bc.docx")
    document = Document(io.BytesIO((tmp_path / "bc.docx").read_bytes()))
    assert plain("consolidated.kind") in [p.text for p in document.paragraphs]
    code, _, _ = run(capsys, "export", "xlsx", "-o", str(tmp_path / "so-lieu.xlsx"))
    book = load_workbook(tmp_path / "so-lieu.xlsx")
    assert code == 0 and plain("workbook.sheet_reports") in book.sheetnames
    code, out, _ = run(capsys, "summary", "--json")
    consolidation = next(d for d in json.loads(out)["deadlines"] if d["id"] == "bao-cao-tong-hop")
    assert consolidation["missing"] == ["so-tttt"]  # a draft meets nothing
    code, _, _ = run(capsys, "export", "docx", "--issue", "-o", str(tmp_path / "bc2.docx"))
    code, out, _ = run(capsys, "summary", "--json")
    consolidation = next(d for d in json.loads(out)["deadlines"] if d["id"] == "bao-cao-tong-hop")
    assert code == 0 and consolidation["missing"] == []  # the issued report met it


def test_summary_of_one_unit_and_what_lies_below_it(capsys, tmp_path):
    run(capsys, "summary", "--json")
    _seed(tmp_path)
    code, out, _ = run(capsys, "summary", "--json", "--unit", "bao-kon-tum")
    data = json.loads(out)
    assert code == 0 and [u["id"] for u in data["units"]] == ["bao-kon-tum"]
    report = next(d for d in data["deadlines"] if d["id"] == "bao-cao-don-vi")
    assert report["on_time"] == ["bao-kon-tum"] and report["missing"] == []
    code, _, err = run(capsys, "summary", "--unit", "bao-kt")
    assert code == 1 and "bao-kt" in err
