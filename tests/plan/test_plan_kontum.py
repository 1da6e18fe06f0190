"""The shipped Kon Tum plan, checked against the seed document section by section."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.plan import DeadlineKind, Plan
from bot.plan import load_plan

ROOT = Path(__file__).resolve().parents[2]
KONTUM = ROOT / "plans" / "kontum-2023.yaml"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Footnote 1 of the plan: the eleven units that send one focal point each (VI.2).
FOCAL_UNITS = {
    "bdbp": "Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
    "so-vhttdl": "Sở Văn hóa, Thể thao và Du lịch",
    "ubnd-ngoc-hoi": "Ủy ban nhân dân huyện Ngọc Hồi",
    "ubnd-dak-to": "Ủy ban nhân dân huyện Đăk Tô",
    "ubnd-dak-ha": "Ủy ban nhân dân huyện Đăk Hà",
    "ubnd-tp-kon-tum": "Ủy ban nhân dân thành phố Kon Tum",
    "bao-kon-tum": "Báo Kon Tum",
    "dai-ptth": "Đài Phát thanh – Truyền hình tỉnh",
    "cong-ttdt": "Cổng Thông tin điện tử tỉnh",
    "so-ngoai-vu": "Sở Ngoại vụ",
    "cong-an": "Công an tỉnh",
}
DISTRICTS = ("ubnd-ngoc-hoi", "ubnd-dak-to", "ubnd-dak-ha", "ubnd-tp-kon-tum")

# Every duty of sections III and V: task id -> (section, lead).
DUTIES = {
    "tt-dai-chung": ("III.1", "so-tttt"),
    "tt-truc-quan": ("III.2", "so-vhttdl"),
    "so-tttt-chi-dao-bao-chi": ("V.1", "so-tttt"),
    "so-tttt-thong-tin-co-so": ("V.1", "so-tttt"),
    "bdbp-thong-tin-chi-dao": ("V.2", "bdbp"),
    "bdbp-phong-van": ("V.2", "bdbp"),
    "bdbp-phoi-hop-bao-dai": ("V.2", "bdbp"),
    "bdbp-phong-vien": ("V.2", "bdbp"),
    "bdbp-maket-pano": ("V.2", "bdbp"),
    "bdbp-hop-bao": ("V.2", "bdbp"),
    "bdbp-chuyen-de": ("V.2", "bdbp"),
    "so-vhttdl-truc-quan": ("V.3", "so-vhttdl"),
    "so-vhttdl-video-bo-y": ("V.3", "so-vhttdl"),
    "so-ngoai-vu-phong-vien": ("V.4", "so-ngoai-vu"),
    "so-ngoai-vu-bien-dich": ("V.4", "so-ngoai-vu"),
    "cong-an-theo-doi-mang": ("V.5", "cong-an"),
    "ubnd-ngoc-hoi-trang-tri": ("V.6", "ubnd-ngoc-hoi"),
    "ubnd-dak-to-trang-tri": ("V.6", "ubnd-dak-to"),
    "ubnd-dak-ha-trang-tri": ("V.6", "ubnd-dak-ha"),
    "ubnd-tp-kon-tum-trang-tri": ("V.6", "ubnd-tp-kon-tum"),
    "bao-kon-tum-tuyen-truyen": ("V.7", "bao-kon-tum"),
    "bao-kon-tum-kiem-duyet": ("V.7", "bao-kon-tum"),
    "dai-ptth-tuyen-truyen": ("V.7", "dai-ptth"),
    "dai-ptth-kiem-duyet": ("V.7", "dai-ptth"),
    "cong-ttdt-tuyen-truyen": ("V.7", "cong-ttdt"),
    "cong-ttdt-kiem-duyet": ("V.7", "cong-ttdt"),
    "vien-thong-an-toan-mang": ("V.8", "dn-vien-thong"),
    "vien-thong-khac-phuc-su-co": ("V.8", "dn-vien-thong"),
    "so-nganh-cung-cap-thong-tin": ("V.9", "cac-so-nganh"),
    "so-nganh-phat-ngon": ("V.9", "cac-so-nganh"),
    "so-nganh-chia-se-phan-bac": ("V.9", "cac-so-nganh"),
    "so-nganh-hoat-dong-khac": ("V.9", "cac-so-nganh"),
}


def at(day: int, month: int, year: int = 2023, hour: int = 0, minute: int = 0, second: int = 0):
    return datetime(year, month, day, hour, minute, second, tzinfo=TZ)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(KONTUM)


def test_campaign_header(plan: Plan) -> None:
    assert plan.id == "kontum-2023"
    assert plan.title.startswith("Thông tin, tuyên truyền Chương trình Giao lưu Hữu nghị")
    assert plan.title.endswith("Việt Nam – Lào – Campuchia lần thứ nhất tại tỉnh Kon Tum")
    assert plan.issuing_body.startswith("TIỂU BAN TUYÊN TRUYỀN")
    assert plan.head_title == "TRƯỞNG TIỂU BAN"
    assert plan.timezone == "Asia/Ho_Chi_Minh"
    assert plan.event_date == date(2023, 12, 5)


def test_campaign_span_and_focus_follow_section_iii(plan: Plan) -> None:
    assert plan.start == at(1, 11)
    assert plan.end == at(20, 12, hour=23, minute=59, second=59)
    assert plan.focus_start == at(5, 12)
    assert plan.focus_end == at(15, 12, hour=23, minute=59, second=59)


def test_eleven_focal_point_units_of_footnote_1(plan: Plan) -> None:
    focal = {unit.id: unit.name for unit in plan.focal_point_units}
    assert focal == FOCAL_UNITS


def test_secretariat_and_other_duty_holders(plan: Plan) -> None:
    assert plan.secretariat == "so-tttt"
    secretariat = plan.unit("so-tttt")
    assert secretariat.name == "Sở Thông tin và Truyền thông"
    assert secretariat.is_secretariat and not secretariat.focal_point_required
    for unit_id in ("dn-vien-thong", "tinh-doan", "cac-so-nganh"):
        unit = plan.unit(unit_id)
        assert not unit.focal_point_required and not unit.is_secretariat
    assert plan.unit("bdbp").short_name == "BĐBP tỉnh"
    assert plan.unit("so-vhttdl").short_name == "Sở VHTTDL"
    assert len(plan.units) == 15


def test_three_phases_before_during_after(plan: Plan) -> None:
    phases = [(p.id, p.start, p.end) for p in plan.phases]
    end_of = {"hour": 23, "minute": 59, "second": 59}
    assert phases == [
        ("truoc", at(1, 11), at(4, 12, **end_of)),
        ("trong", at(5, 12), at(15, 12, **end_of)),
        ("sau", at(16, 12), at(20, 12, **end_of)),
    ]
    assert "Hữu nghị vĩ đại" in plan.phases[0].asks
    assert "hội đàm" in plan.phases[1].asks.lower()
    assert "chuyên đề" in plan.phases[2].asks


def test_nine_activities_of_section_ii_2_in_order(plan: Plan) -> None:
    assert [item.number for item in plan.agenda] == list(range(1, 10))
    assert plan.agenda[0].title == "Lễ đón Bộ trưởng Bộ Quốc phòng của Lào và Campuchia"
    assert plan.agenda[2].title == "Tổ chức tuần tra chung"
    assert "Kế hoạch hợp tác Quốc phòng năm 2024" in plan.agenda[7].title
    assert plan.agenda[8].title == "Lễ tiễn Bộ trưởng Bộ Quốc phòng Lào và Campuchia"
    assert all(item.when is None for item in plan.agenda)


def test_deadlines_of_section_vi(plan: Plan) -> None:
    deadlines = {d.id: d for d in plan.deadlines}
    registration = deadlines["dang-ky-dau-moi"]
    assert registration.due == at(28, 11, hour=17)
    assert registration.due.isoformat() == "2023-11-28T17:00:00+07:00"
    assert registration.kind is DeadlineKind.REGISTRATION
    assert set(registration.units) == set(FOCAL_UNITS)

    report = deadlines["bao-cao-don-vi"]
    assert report.due == at(15, 12, hour=17)
    assert report.kind is DeadlineKind.REPORT
    assert set(report.units) == set(FOCAL_UNITS)

    consolidation = deadlines["bao-cao-tong-hop"]
    assert consolidation.due == at(20, 12, hour=17)
    assert consolidation.kind is DeadlineKind.CONSOLIDATION
    assert consolidation.units == ("so-tttt",)


def test_every_duty_of_section_v_with_its_lead(plan: Plan) -> None:
    tasks = {task.id: (task.section, task.lead) for task in plan.tasks}
    assert tasks == DUTIES
    sections = {task.section for task in plan.tasks}
    assert {f"V.{n}" for n in range(1, 10)} <= sections


def test_each_district_and_press_agency_reports_its_own_figures(plan: Plan) -> None:
    v6_leads = [task.lead for task in plan.tasks if task.section == "V.6"]
    assert v6_leads == list(DISTRICTS)
    v7_leads = {task.lead for task in plan.tasks if task.section == "V.7"}
    assert v7_leads == {"bao-kon-tum", "dai-ptth", "cong-ttdt"}
    for unit_id in FOCAL_UNITS:
        assert any(task.lead == unit_id for task in plan.tasks), unit_id


def test_cooperating_units_named_by_the_document(plan: Plan) -> None:
    task = {t.id: t for t in plan.tasks}
    assert set(task["tt-truc-quan"].cooperating) == {"bdbp", *DISTRICTS}
    assert task["cong-an-theo-doi-mang"].cooperating == ("so-tttt",)
    assert set(task["vien-thong-khac-phuc-su-co"].cooperating) == set(DISTRICTS)
    assert "dai-ptth" in task["bdbp-phoi-hop-bao-dai"].cooperating


def test_tasks_have_figures_phases_and_a_report_deadline(plan: Plan) -> None:
    phase_ids = {phase.id for phase in plan.phases}
    deadline_ids = {deadline.id for deadline in plan.deadlines}
    for task in plan.tasks:
        assert task.metrics, task.id
        assert set(task.phases) <= phase_ids
        assert task.deadline in deadline_ids
    labels = {metric.label for task in plan.tasks for metric in task.metrics}
    for expected in (
        "Số tin, bài",
        "Số phóng sự",
        "Số băng rôn",
        "Số panô",
        "Số thông cáo báo chí",
        "Số phóng viên được cấp thẻ sự kiện",
        "Số tin xấu, độc được phát hiện",
        "Số sự cố được khắc phục",
        "Số lượt chia sẻ",
        "Số buổi phát sóng",
    ):
        assert expected in labels


def test_recipients_from_noi_nhan(plan: Plan) -> None:
    assert plan.recipients[0] == "UBND tỉnh (b/c)"
    assert "Báo Kon Tum" in plan.recipients
    assert plan.recipients[-1] == "Lưu: TBTT"
    assert len(plan.recipients) == 10


def test_every_title_unit_name_and_task_of_the_plan_is_nfc_normalised(plan: Plan) -> None:
    texts = [plan.title, *(u.name for u in plan.units), *(t.text for t in plan.tasks)]
    assert all(unicodedata.normalize("NFC", text) == text for text in texts)


def test_event_date_override_moves_every_relative_date(plan: Plan) -> None:
    moved = load_plan(KONTUM, event_date=date(2026, 12, 10))
    registration = next(d for d in moved.deadlines if d.id == "dang-ky-dau-moi")
    assert registration.due == at(3, 12, year=2026, hour=17)
    shift = date(2026, 12, 10) - date(2023, 12, 5)

    def same_wall_clock(before: datetime, after: datetime) -> bool:
        return after.replace(tzinfo=None) - before.replace(tzinfo=None) == shift

    assert moved.event_date == date(2026, 12, 10)
    assert same_wall_clock(plan.start, moved.start)
    assert same_wall_clock(plan.end, moved.end)
    for old, new in zip(plan.phases, moved.phases, strict=True):
        assert same_wall_clock(old.start, new.start) and same_wall_clock(old.end, new.end)
    for old, new in zip(plan.deadlines, moved.deadlines, strict=True):
        assert same_wall_clock(old.due, new.due)
    assert shift > timedelta(0)
