"""Progress reports: the unit's tasks, the guided report flow, corrections as versions.

A report is taken step by step — task, status, each figure, a narrative, attachments — shown
whole for confirmation and only then stored, as the next version on its task. Every step's
state lives in the conversation row, so a restart loses nothing; the confirmation with the
report's reference is sent only once the report is committed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.address import LEGACY_CHANNEL, Address
from bot.domain.figures import LIMITS, MetricKind, from_stored, to_stored
from bot.domain.plan import Deadline, DeadlineKind, Metric, Phase, Plan, Task
from bot.domain.progress import ReportMark, current_period, done_at
from bot.domain.records import (
    Attachment,
    AttachmentKind,
    AuditEntry,
    Conversation,
    OutboxMessage,
    Report,
    ReportFigure,
    ReportStatus,
    TaskRole,
)
from bot.services.dialogue import DialogueService, Step, draft_reminder, draft_reminder_due
from bot.services.outbox import enqueue_new
from bot.services.parsing import (
    FigureError,
    choice_number,
    fold,
    is_done,
    is_skip,
    parse_choice,
    parse_metric_figure,
    parse_yes_no,
    says,
)
from bot.services.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.replies import Actor, Answer, Choice, Outcome, Reply
from bot.services.secrecy import is_classified
from bot.texts.numbers import format_amount, format_decimal

FLOW = "report"
NARRATIVE_MAX = 4000
ATTACHMENTS_MAX = 30
TASK_LABEL = 90

# Step names are unique to this flow so an old button of another flow is never taken as ours.
TASK, STATUS, FIGURE, NARRATIVE, ATTACH, CONFIRM = (
    "r-task", "r-status", "r-fig", "r-narr", "r-attach", "r-confirm",
)
# A photo, file or long text sent outside any flow: which task's report does it belong to?
LOOSE = "r-which"
# A text this long sent outside any flow is a report being forwarded, not a stray word.
LOOSE_TEXT_MIN = 120

STATUSES = (
    ReportStatus.NOT_STARTED,
    ReportStatus.IN_PROGRESS,
    ReportStatus.DONE,
    ReportStatus.PROBLEM,
)
# What people type for a status besides its number (compared folded: no accents, lower case).
_STATUS_WORDS = {
    ReportStatus.NOT_STARTED: ("chua bat dau", "chua thuc hien", "chua", "not started"),
    ReportStatus.IN_PROGRESS: ("dang thuc hien", "dang lam", "dang trien khai", "in progress"),
    ReportStatus.DONE: ("hoan thanh", "da hoan thanh", "xong", "done", "finished"),
    ReportStatus.PROBLEM: ("vuong mac", "kho khan", "co vuong mac", "problem"),
}
_CLEAR_WORDS = {"xoa", "xoa het", "xoa tat ca", "clear", "remove", "delete"}
# Confirmation actions; "figures" is offered only when the task asks for figures.
_ACTION_WORDS = {
    "send": ("gui", "luu", "gui bao cao", "send", "save", "xac nhan", "confirm"),
    "status": ("trang thai", "tinh trang", "sua trang thai", "status"),
    "figures": ("so lieu", "sua so lieu", "figures"),
    "narrative": ("noi dung", "sua noi dung", "narrative", "text"),
    "attachments": ("tep", "anh", "dinh kem", "tep dinh kem", "attachments", "files"),
    "cancel": ("huy", "huy bo", "huy bao cao", "huy bao cao nay", "cancel"),
}
_REFERENCE = re.compile(r"^\s*(?:bc[-\s]?|#)?0*(\d{1,9})\s*$", re.IGNORECASE)


def parse_reference(text: str) -> int | None:
    """A report id from what was typed: "BC-0012", "bc12", "#12" or "12"."""
    match = _REFERENCE.match(text)
    if not match or int(match.group(1)) == 0:
        return None
    return int(match.group(1))


def shorten(text: str, limit: int) -> str:
    """A plan text on one line, cut at a word boundary, for lists read on a phone."""
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def format_figure(value: int | None) -> str:
    """A figure as shown in previews: grouped digits, or a dash when left empty."""
    return "—" if value is None else format_decimal(value, "vi")


def format_metric_figure(metric: Metric | None, stored: int | None, locale: str = "vi") -> str:
    """A stored figure in its metric's terms ("5,5 km", "80 %"), or a dash when left empty."""
    if stored is None:
        return "—"
    if metric is None or (metric.kind is MetricKind.COUNT and not metric.unit):
        return format_decimal(stored, locale)
    return format_amount(from_stored(metric.kind, stored), metric.kind, metric.unit, locale)


def period_reply(deadline: Deadline, timezone: str, now: datetime) -> Reply:
    """Which period a report is for: "Báo cáo tuần 47/2026, số liệu từ 16/11 đến 22/11"."""
    period = deadline.period
    assert period is not None
    due = deadline.due.astimezone(ZoneInfo(timezone))
    late = "_late" if deadline.due < now else ""
    start, end = period.window_days()
    return Reply(f"reports.period_{period.every.value}{late}", {
        "number": period.number, "year": period.year, "start": start, "end": end,
        "due": due.strftime("%H:%M %d/%m/%Y"),
    })


@dataclass(frozen=True)
class TaskView:
    """One of a unit's tasks as /tasks shows it, with the unit's latest report on it."""

    number: int
    task: Task
    role: TaskRole
    phases: tuple[Phase, ...]
    deadline: Deadline | None
    latest: Report | None


@dataclass(frozen=True)
class TaskHistory:
    """Every version a unit reported on one task, oldest first."""

    number: int | None
    task_id: str
    task: Task | None
    versions: tuple[Report, ...]


def _unknown_task(kind: str, given: object, count: int) -> Reply:
    """A task number or name that names none of the unit's tasks ("from 1 to 1" never said)."""
    key = "reports.unknown_task" if kind == "number" else "reports.unknown_task_text"
    return Reply(key + ("_one" if count == 1 else ""), {kind: given, "count": count})


class ReportingService:
    """Takes units' progress reports in chat and answers what they reported."""

    name = FLOW
    steps = frozenset({TASK, STATUS, FIGURE, NARRATIVE, ATTACH, CONFIRM, LOOSE})
    # Steps whose answer is free text: a "hủy" there is not taken as dropping the draft.
    free_text = frozenset({NARRATIVE})
    # Steps where "hủy" is an answer of their own (the preview's cancel choice).
    own_cancel = frozenset({NARRATIVE, CONFIRM})

    def __init__(
        self,
        plan: Plan,
        uow_factory: UnitOfWorkFactory,
        dialogue: DialogueService,
        *,
        feed_chats: Sequence[Address] = (),
        feed_locale: str = "vi",
    ) -> None:
        self._plan = plan
        self._uow_factory = uow_factory
        self._dialogue = dialogue
        self._feed_chats = tuple(feed_chats)
        self._feed_locale = feed_locale
        dialogue.add_flow(self)

    # --- the plan as a unit sees it ---------------------------------------------------------

    def tasks_of(self, unit_id: str) -> tuple[Task, ...]:
        """The unit's tasks, numbered from 1 in this order by /tasks and /report."""
        return self._plan.tasks_of(unit_id)

    def _task(self, unit_id: str, task_id: str) -> Task | None:
        return next((task for task in self.tasks_of(unit_id) if task.id == task_id), None)

    def _pick(self, unit_id: str, text: str) -> tuple[Task | None, Reply | None]:
        """The task a typed number or task id names, or the reason it names none."""
        tasks = self.tasks_of(unit_id)
        folded = fold(text)
        number = choice_number(text)
        if number is not None:
            if 1 <= number <= len(tasks):
                return tasks[number - 1], None
            return None, _unknown_task("number", number, len(tasks))
        for task in self._plan.tasks:
            if task.id == folded:
                if task.involves(unit_id):
                    return task, None
                return None, Reply("reports.task_not_yours",
                                   {"task": shorten(task.text, TASK_LABEL)})
        return None, _unknown_task("text", text.strip()[:20], len(tasks))

    # --- starting ---------------------------------------------------------------------------

    async def start(
        self,
        actor: Actor,
        unit_id: str,
        choice: str | None,
        now: datetime,
        message_key: str | None = None,
    ) -> Outcome:
        """Open the report flow for a focal point or deputy of a unit (`/report 3`: task 3)."""

        async def work(uow: UnitOfWork) -> Outcome:
            if not actor.private:
                return Outcome([Reply("reports.private_only")])
            if not self.tasks_of(unit_id):
                return Outcome([Reply("reports.no_tasks")])
            if now >= self._plan.end:
                return Outcome([self.campaign_ended()])
            data: dict[str, Any] = {"unit_id": unit_id, "started_at": now.isoformat()}
            existing = await self._dialogue.current(uow, actor, now)
            if existing is not None and existing.flow == FLOW and \
                    existing.data.get("unit_id") == unit_id:
                resumed = self._reopen(existing, choice)
                if resumed is None:  # a draft for another task: it is not overwritten
                    await self._dialogue.keep(uow, existing, now)
                    return Outcome([self.pending(existing, kept=False)])
                if resumed.step is not None:
                    return await self._dialogue.save(uow, actor, FLOW, resumed, now)
                data = {k: v for k, v in existing.data.items() if k not in ("task_id",)}
            if choice:
                task, problem = self._pick(unit_id, choice)
                if task is not None:
                    step = Step.go(STATUS, data, *await self._chosen(uow, data, task, now))
                else:
                    assert problem is not None
                    step = Step.go(TASK, data, problem, self._task_prompt(unit_id))
            else:
                step = Step.go(TASK, data, self._task_prompt(unit_id))
            return await self._dialogue.save(uow, actor, FLOW, step, now)

        return await self._dialogue.once(message_key, now, work)

    def campaign_ended(self) -> Reply:
        """An ended campaign takes no more reports; what it holds stays readable."""
        zone = ZoneInfo(self._plan.timezone)
        return Reply("reports.campaign_ended", {
            "campaign": self._plan.title,
            "ended": self._plan.end.astimezone(zone).strftime("%d/%m/%Y")})

    def _reopen(self, draft: Conversation, choice: str | None) -> Step | None:
        """/baocao over an open draft: go on with it (an empty Step: it has no task yet, choose
        one keeping its files), or None when it is another task's."""
        data = dict(draft.data)
        task_id = data.get("task_id")
        if task_id is None:
            return Step()
        if choice:
            task, _ = self._pick(data["unit_id"], choice)
            if task is None or task.id != task_id:
                return None
        return Step.go(draft.step, data, self.pending(draft, kept=False, key="continue"),
                       self.prompt(draft))

    # --- drafts: kept until their deadline, described when the person comes back ----------

    def _deadline(self, data: Any) -> Deadline | None:
        """The deadline a draft serves: its task's, else the unit's next report deadline."""
        task = self._task(data["unit_id"], data.get("task_id") or "")
        if task is not None and task.deadline:
            # A recurring deadline: the period the draft was started for.
            wanted = f"{task.deadline}@{data.get('period')}"
            return next((d for d in self._plan.deadlines if d.id in (task.deadline, wanted)),
                        None)
        reports = [d for d in self._plan.deadlines
                   if d.kind is DeadlineKind.REPORT and data["unit_id"] in d.units]
        return min(reports, key=lambda d: d.due) if reports else None

    def keep_until(self, data: Any, now: datetime) -> datetime:
        """A draft is kept until its deadline; once that is past, until the campaign ends."""
        deadline = self._deadline(data)
        if deadline is not None and deadline.due > now:
            return deadline.due
        return self._plan.end

    def _contents(self, data: Any) -> dict[str, Any]:
        """What a draft holds, as one phrase of catalogue parts ("2 ảnh, 3 số liệu")."""
        attachments = data.get("attachments", [])
        photos = sum(1 for item in attachments if item.get("kind") == "photo")
        files = len(attachments) - photos
        figures = sum(1 for value in data.get("figures", {}).values() if value is not None)
        items: list[dict[str, Any]] = []
        if data.get("status") and data.get("task_id"):
            items.append({"key": "drafts.status", "values": {
                "status": {"key": f"reports.status_{data['status']}"}}})
        items += [{"key": f"drafts.{name}", "values": {"count": count}}
                  for name, count in (("photos", photos), ("files", files), ("figures", figures))
                  if count]
        if data.get("narrative"):
            items.append({"key": "drafts.narrative"})
        return {"join": ", ", "items": items or [{"key": "drafts.empty"}]}

    def pending(self, conversation: Conversation, *, kept: bool, key: str = "") -> Reply:
        """The unsent draft: its task, what it holds, where the person was, how to go on."""
        data = conversation.data
        task = self._task(data["unit_id"], data.get("task_id") or "")
        key = key or ("kept" if kept else "pending")
        values: dict[str, Any] = {"contents": self._contents(data)}
        step = conversation.step
        where: dict[str, Any] = {"key": f"drafts.where_{step}"}
        if step == FIGURE and task is not None:
            where["values"] = {"number": int(data.get("figure", 0)) + 1,
                               "count": len(task.metrics)}
        values["where"] = where
        if task is None:
            return Reply(f"drafts.report_{key}_no_task", values)
        values["task"] = shorten(task.text, TASK_LABEL)
        return Reply(f"drafts.report_{key}", values)

    def finish(self, conversation: Conversation) -> Step | None:
        """"xong" after a pause: straight to the preview, once the status is known."""
        data = dict(conversation.data)
        if data.get("task_id") is None or "status" not in data:
            return None
        data.pop("editing", None)
        data.pop("figure", None)
        data.setdefault("attachments", [])
        return Step.go(CONFIRM, data, self._preview(data, data.get("locale", "vi")))

    async def unsent(self, actor: Actor, now: datetime) -> Reply | None:
        """The person's unsent report draft, for /baocaocuatoi (its next message is held)."""
        return await self._dialogue.hold(actor, now, FLOW, key="mine")

    async def remind_drafts(self, now: datetime) -> int:
        """Queue one reminder per unfinished report left untouched, before its deadline."""
        async with self._uow_factory() as uow:
            planned: list[OutboxMessage] = []
            for draft in await uow.conversations.of_flow(FLOW):
                if not self._dialogue.owns(draft):
                    continue  # another campaign\'s flow reminds it
                deadline = self._deadline(draft.data)
                if deadline is None or not draft_reminder_due(draft, deadline.due, now):
                    continue
                started = draft.data.get("started_at") or draft.updated_at.isoformat()
                reply = self.pending(draft, kept=False, key="reminder")
                planned.append(draft_reminder(
                    draft, reply, f"draft:{draft.user.key}:{started}", deadline.due,
                    self._plan.timezone, now, locale=draft.data.get("locale", self._feed_locale),
                    unit_id=draft.data["unit_id"], campaign_id=self._plan.id))
            count = await enqueue_new(uow, planned)
            await uow.commit()
        return count

    # --- what a focal point sends outside any flow ------------------------------------------

    @staticmethod
    def is_loose(answer: Answer) -> bool:
        """Whether a message outside any flow is report material (a file, a long text)."""
        if answer.upload is not None:
            return True
        return answer.text is not None and len(answer.text.strip()) >= LOOSE_TEXT_MIN

    async def loose(
        self, actor: Actor, unit_id: str, answer: Answer, now: datetime,
        message_key: str | None = None,
    ) -> Outcome:
        """Keep a photo, file or long text sent outside any flow and ask which report it is
        for; the answer opens the report flow with it attached."""

        async def work(uow: UnitOfWork) -> Outcome:
            if not self.tasks_of(unit_id):
                return Outcome([Reply("reports.no_tasks")])
            data: dict[str, Any] = {"unit_id": unit_id, "started_at": now.isoformat(),
                                    "attachments": [], "locale": actor.locale}
            problem = await self._keep_loose(uow, data, answer, actor, now)
            if problem is not None:
                return Outcome([problem])
            step = Step.go(LOOSE, data, self._which_prompt(data))
            return await self._dialogue.save(uow, actor, FLOW, step, now)

        return await self._dialogue.once(message_key, now, work)

    async def _keep_loose(
        self, uow: UnitOfWork, data: dict[str, Any], answer: Answer, actor: Actor, now: datetime
    ) -> Reply | None:
        """Put a loose file or text into the draft; a reply when it cannot be taken."""
        if answer.upload is not None:
            reply = await self._take_upload(uow, data, answer, actor, now)
            return None if reply.key == "reports.attachment_added" else reply
        text = (answer.text or "").strip()
        if is_classified(text):
            await self._refused_classified(uow, data, actor, now, "narrative")
            return Reply("reports.classified")
        # A report forwarded in several messages: its parts one after the other.
        joined = "\n\n".join(part for part in (data.get("narrative"), text) if part)
        data["narrative"] = joined[:NARRATIVE_MAX]
        data["narrative_given"] = True
        return None

    def _which_prompt(self, data: dict[str, Any]) -> Reply:
        choices = tuple(
            Choice("reports.task_choice", {"text": shorten(task.text, TASK_LABEL)})
            for task in self.tasks_of(data["unit_id"])
        )
        what = "text" if not data.get("attachments") else (
            "photo" if all(a.get("kind") == "photo" for a in data["attachments"]) else "file")
        return Reply(f"drafts.which_task_{what}", {"contents": self._contents(data)}, choices,
                     step=LOOSE)

    async def _on_loose(
        self, uow: UnitOfWork, data: dict[str, Any], answer: Answer, actor: Actor, now: datetime
    ) -> Step:
        if answer.upload is not None or (answer.text and self.is_loose(answer)):
            problem = await self._keep_loose(uow, data, answer, actor, now)
            return Step.go(LOOSE, data, *((problem,) if problem else ()),
                           self._which_prompt(data))
        text = answer.text or ""
        task, problem = self._pick(data["unit_id"], text) if text else (None, None)
        if task is None:
            return Step.go(LOOSE, data, problem or Reply("reports.choose_again"),
                           self._which_prompt(data))
        chosen = await self._chosen(uow, data, task, now)
        return Step.go(STATUS, data, Reply("drafts.loose_joined", {
            "task": shorten(task.text, TASK_LABEL), "contents": self._contents(data)}),
            *chosen)

    # --- prompts ----------------------------------------------------------------------------

    def _task_prompt(self, unit_id: str) -> Reply:
        choices = tuple(
            Choice("reports.task_choice", {"text": shorten(task.text, TASK_LABEL)})
            for task in self.tasks_of(unit_id)
        )
        return Reply("reports.ask_task", {"count": len(choices)}, choices, step=TASK)

    def _status_prompt(self, task: Task) -> Reply:
        choices = tuple(Choice(f"reports.status_{status.value}") for status in STATUSES)
        return Reply("reports.ask_status", {"task": shorten(task.text, TASK_LABEL)}, choices,
                     step=STATUS)

    def _figure_prompt(self, task: Task, index: int) -> Reply:
        metric = task.metrics[index]
        values = {"label": metric.label, "number": index + 1, "count": len(task.metrics)}
        if metric.kind is MetricKind.COUNT:
            return Reply("reports.ask_figure", values)
        return Reply(f"reports.ask_figure_{metric.kind.value}",
                     {**values, "unit": metric.unit or "—"})

    def _figure_problem(self, metric: Metric, reason: str) -> Reply:
        """Why a figure was refused, in the metric's terms, and what is expected instead."""
        limit = LIMITS[metric.kind]
        values = {"label": metric.label, "limit": format_figure(int(limit)),
                  "expected": {"key": f"reports.expected_{metric.kind.value}"}}
        if metric.kind is MetricKind.COUNT and reason in ("not_digits", "negative", "too_large"):
            return Reply(f"reports.figure_{reason}", values)  # as counts were always answered
        if reason == "not_digits":
            reason = "not_number"
        return Reply(f"reports.figure_{reason}", values)

    def _narrative_prompt(self) -> Reply:
        return Reply("reports.ask_narrative", {"limit": NARRATIVE_MAX})

    def _attach_prompt(self, data: dict[str, Any]) -> Reply:
        task = self._task(data["unit_id"], data.get("task_id") or "")
        # A task that needs evidence says so before "xong" is typed, not only after.
        key = "reports.ask_attachments_required" if task is not None and \
            self._needs_attachment(task, data) else "reports.ask_attachments"
        return Reply(key, {"count": len(data.get("attachments", []))},
                     (Choice("reports.choice_done"),), step=ATTACH)

    def _actions(self, task: Task) -> tuple[str, ...]:
        middle = ("status", "figures") if task.metrics else ("status",)
        return ("send", *middle, "narrative", "attachments", "cancel")

    def _preview(self, data: dict[str, Any], locale: str) -> Reply:
        task = self._task(data["unit_id"], data["task_id"])
        assert task is not None
        figures = data.get("figures", {})
        lines = [
            f"• {metric.label}: {format_metric_figure(metric, figures.get(metric.id), locale)}"
            for metric in task.metrics
        ]
        choices = tuple(Choice(f"reports.choice_{action}") for action in self._actions(task))
        return Reply(
            "reports.preview",
            {
                "unit": self._plan.unit(data["unit_id"]).name,
                "task": shorten(task.text, 200),
                "status": {"key": f"reports.status_{data['status']}"},
                "figures": "\n".join(lines) or "—",
                "narrative": data.get("narrative") or "—",
                "attachments": len(data.get("attachments", [])),
            },
            choices,
            step=CONFIRM,
        )

    def prompt(self, conversation: Conversation) -> Reply:
        """The question of the conversation's current step."""
        data = dict(conversation.data)
        step = conversation.step
        if step == LOOSE:
            return self._which_prompt(data)
        if step == TASK:
            return self._task_prompt(data["unit_id"])
        task = self._task(data["unit_id"], data["task_id"])
        if task is None:
            return self._task_prompt(data["unit_id"])
        if step == STATUS:
            return self._status_prompt(task)
        if step == FIGURE:
            return self._figure_prompt(task, int(data.get("figure", 0)))
        if step == NARRATIVE:
            return self._narrative_prompt()
        if step == ATTACH:
            return self._attach_prompt(data)
        return self._preview(data, data.get("locale", "vi"))

    # --- the steps --------------------------------------------------------------------------

    async def advance(
        self, uow: UnitOfWork, conversation: Conversation, actor: Actor, answer: Answer,
        now: datetime,
    ) -> Step:
        """Take one answer of the report conversation."""
        data = dict(conversation.data)
        data["locale"] = actor.locale
        step = conversation.step
        if step == LOOSE:
            return await self._on_loose(uow, data, answer, actor, now)
        if answer.upload is not None and step != ATTACH:
            # A photo sent before its step is kept for the report, not refused.
            reply = await self._take_upload(uow, data, answer, actor, now)
            if reply.key == "reports.attachment_added":
                reply = Reply("drafts.attachment_kept",
                              {"count": len(data["attachments"])})
            return Step.go(step, data, reply, self.prompt(replace(conversation, data=data)))
        if step == TASK:
            return await self._on_task(uow, data, answer, now)
        task = self._task(data["unit_id"], data.get("task_id", ""))
        if task is None:
            # The plan changed under an open report: start again from the task list.
            data.pop("task_id", None)
            return Step.go(TASK, data, Reply("reports.task_gone"),
                           self._task_prompt(data["unit_id"]))
        if step == STATUS:
            return self._on_status(data, task, answer)
        if step == FIGURE:
            return self._on_figure(data, task, answer)
        if step == NARRATIVE:
            return await self._on_narrative(uow, data, task, answer, actor, now)
        if step == ATTACH:
            return await self._on_attachment(uow, data, answer, actor, now)
        return await self._on_confirm(uow, data, task, answer, actor, now)

    async def _on_task(
        self, uow: UnitOfWork, data: dict[str, Any], answer: Answer, now: datetime
    ) -> Step:
        unit_id = data["unit_id"]
        if not answer.text:
            return Step.go(TASK, data, Reply("reports.choose_again"), self._task_prompt(unit_id))
        task, problem = self._pick(unit_id, answer.text)
        if task is None:
            assert problem is not None
            return Step.go(TASK, data, problem, self._task_prompt(unit_id))
        return Step.go(STATUS, data, *await self._chosen(uow, data, task, now))

    # --- periods of a recurring deadline ------------------------------------------------------

    async def period_for(
        self, uow: UnitOfWork, unit_id: str, task: Task, now: datetime
    ) -> Deadline | None:
        """The period a report on the task made now is for (None: no recurring deadline)."""
        periods = self._plan.periods_of(task.deadline) if task.deadline else ()
        if not periods:
            return None
        versions = [r for r in await uow.reports.for_unit(self._plan.id, unit_id)
                    if r.task_id == task.id]
        done = {
            label for label in {r.period for r in versions if r.period}
            if done_at(ReportMark(r.unit_id, r.task_id, r.version, r.status.value,
                                  r.created_at, r.period)
                       for r in versions if r.period == label) is not None
        }
        return current_period(periods, now, done)

    async def _chosen(
        self, uow: UnitOfWork, data: dict[str, Any], task: Task, now: datetime
    ) -> tuple[Reply, ...]:
        """A task chosen: which period the report is for (if it recurs), then its status."""
        data["task_id"] = task.id
        deadline = await self.period_for(uow, data["unit_id"], task, now)
        if deadline is None or deadline.period is None:
            data.pop("period", None)
            return (self._status_prompt(task),)
        data["period"] = deadline.period.label
        return (period_reply(deadline, self._plan.timezone, now), self._status_prompt(task))

    def _after(self, data: dict[str, Any], task: Task, done: str) -> Step:
        """Where the flow goes once a field is answered: on, or back to the preview."""
        if data.pop("editing", False):
            return Step.go(CONFIRM, data, self._preview(data, data["locale"]))
        if done == STATUS and task.metrics:
            data["figures"] = {}
            data["figure"] = 0
            return Step.go(FIGURE, data, self._figure_prompt(task, 0))
        if done in (STATUS, FIGURE) and not data.get("narrative_given"):
            return Step.go(NARRATIVE, data, self._narrative_prompt())
        if done in (STATUS, FIGURE):  # the forwarded text is the narrative already
            data.setdefault("attachments", [])
            return Step.go(ATTACH, data, self._attach_prompt(data))
        if done == NARRATIVE:
            data.setdefault("attachments", [])
            return Step.go(ATTACH, data, self._attach_prompt(data))
        return Step.go(CONFIRM, data, self._preview(data, data["locale"]))

    def _on_status(self, data: dict[str, Any], task: Task, answer: Answer) -> Step:
        status = _parse_status(answer.text or "")
        if status is None:
            return Step.go(STATUS, data, Reply("reports.choose_again"),
                           self._status_prompt(task))
        data["status"] = status.value
        return self._after(data, task, STATUS)

    def _on_figure(self, data: dict[str, Any], task: Task, answer: Answer) -> Step:
        index = int(data.get("figure", 0))
        if index >= len(task.metrics):
            return self._after(data, task, FIGURE)
        metric = task.metrics[index]
        text = answer.text
        value: int | None
        try:  # before is_skip: "không có" is 0 here, not an empty figure
            value = to_stored(metric.kind, parse_metric_figure(
                text or "", metric.kind, data.get("locale", "vi")))
        except FigureError as exc:
            if text is not None and is_skip(text):
                value = None
            else:
                return Step.go(FIGURE, data, self._figure_problem(metric, exc.reason),
                               self._figure_prompt(task, index))
        figures = dict(data.get("figures", {}))
        figures[metric.id] = value
        data["figures"] = figures
        if index + 1 < len(task.metrics):
            data["figure"] = index + 1
            return Step.go(FIGURE, data, self._figure_prompt(task, index + 1))
        data.pop("figure", None)
        return self._after(data, task, FIGURE)

    async def _on_narrative(
        self, uow: UnitOfWork, data: dict[str, Any], task: Task, answer: Answer, actor: Actor,
        now: datetime,
    ) -> Step:
        text = answer.text
        if text is None:
            return Step.go(NARRATIVE, data, Reply("reports.narrative_not_text"),
                           self._narrative_prompt())
        if is_skip(text):
            data["narrative"] = ""
            return self._after(data, task, NARRATIVE)
        cleaned = text.strip()
        if len(cleaned) > NARRATIVE_MAX:
            return Step.go(NARRATIVE, data,
                           Reply("reports.narrative_too_long",
                                 {"limit": NARRATIVE_MAX, "length": len(cleaned)}),
                           self._narrative_prompt())
        if is_classified(cleaned):
            await self._refused_classified(uow, data, actor, now, "narrative")
            return Step.go(NARRATIVE, data, Reply("reports.classified"),
                           self._narrative_prompt())
        data["narrative"] = cleaned
        return self._after(data, task, NARRATIVE)

    async def _on_attachment(
        self, uow: UnitOfWork, data: dict[str, Any], answer: Answer, actor: Actor, now: datetime
    ) -> Step:
        task = self._task(data["unit_id"], data["task_id"])
        assert task is not None
        if answer.upload is not None:
            reply = await self._take_upload(uow, data, answer, actor, now)
            if reply.key != "reports.attachment_added":
                return Step.go(ATTACH, data, reply, self._attach_prompt(data))
            return Step.go(ATTACH, data, reply)
        if answer.text is not None:
            folded = fold(answer.text)
            if is_done(answer.text) or is_skip(answer.text) or folded == "1":
                if self._needs_attachment(task, data):
                    return Step.go(ATTACH, data, Reply("reports.attachments_required"),
                                   self._attach_prompt(data))
                return self._after(data, task, ATTACH)
            if folded in _CLEAR_WORDS:
                data["attachments"] = []
                return Step.go(ATTACH, data, Reply("reports.attachments_cleared"),
                               self._attach_prompt(data))
            return Step.go(ATTACH, data, Reply("reports.attachment_expected"),
                           self._attach_prompt(data))
        return Step.go(ATTACH, data, Reply("reports.attachment_refused"),
                       self._attach_prompt(data))

    async def _take_upload(
        self, uow: UnitOfWork, data: dict[str, Any], answer: Answer, actor: Actor, now: datetime
    ) -> Reply:
        """Add a photo or file to the draft; the reply says it was added, or why not."""
        attachments = list(data.get("attachments", []))
        upload = answer.upload
        assert upload is not None
        if is_classified(answer.caption) or is_classified(upload.file_name):
            await self._refused_classified(uow, data, actor, now, "attachment")
            return Reply("reports.classified")
        if any(_unique_ref(item) == upload.source_unique_ref for item in attachments):
            return Reply("reports.attachment_duplicate")
        if len(attachments) >= ATTACHMENTS_MAX:
            return Reply("reports.attachments_full", {"limit": ATTACHMENTS_MAX})
        attachments.append({
            "kind": upload.kind,
            "channel": upload.channel,
            "source_ref": upload.source_ref,
            "source_unique_ref": upload.source_unique_ref,
            "file_name": upload.file_name,
            "mime_type": upload.mime_type,
            "size": upload.size,
            "caption": (answer.caption or "").strip() or None,
        })
        data["attachments"] = attachments
        return Reply("reports.attachment_added", {"count": len(attachments)},
                     (Choice("reports.choice_done"),), step=ATTACH)

    async def _on_confirm(
        self, uow: UnitOfWork, data: dict[str, Any], task: Task, answer: Answer, actor: Actor,
        now: datetime,
    ) -> Step:
        actions = self._actions(task)
        words = [_ACTION_WORDS[action][0] for action in actions]
        text = answer.text or ""
        index = parse_choice(text, words)
        if index is None:
            index = next((actions.index(action) for action in actions
                          if says(text, _ACTION_WORDS[action])), None)
        if index is None and parse_yes_no(text) is True:
            index = 0
        if index is None:
            # The preview may hold a long narrative: only the question and choices again.
            choices = tuple(Choice(f"reports.choice_{action}") for action in actions)
            return Step.go(CONFIRM, data, Reply("reports.choose_again"),
                           Reply("drafts.confirm_question", {}, choices, step=CONFIRM))
        action = actions[index]
        if action == "send" and self._needs_attachment(task, data):
            data.setdefault("attachments", [])
            return Step.go(ATTACH, data, Reply("reports.attachments_required"),
                           self._attach_prompt(data))
        if action == "send":
            return await self._save(uow, data, task, actor, now)
        if action == "cancel":
            return Step.end(Reply("reports.cancelled"))
        data["editing"] = True
        if action == "status":
            return Step.go(STATUS, data, self._status_prompt(task))
        if action == "figures":
            data["figure"] = 0
            return Step.go(FIGURE, data, self._figure_prompt(task, 0))
        if action == "narrative":
            return Step.go(NARRATIVE, data, self._narrative_prompt())
        data.setdefault("attachments", [])
        return Step.go(ATTACH, data, self._attach_prompt(data))

    @staticmethod
    def _needs_attachment(task: Task, data: dict[str, Any]) -> bool:
        """Whether the task asks for a photo or file and the draft has none yet."""
        return task.attachments_required and not data.get("attachments")

    async def _refused_classified(
        self, uow: UnitOfWork, data: dict[str, Any], actor: Actor, now: datetime, where: str
    ) -> None:
        # Only the fact is recorded: the refused text or file itself is never stored.
        await uow.audit.append(AuditEntry(
            now, "report.classified_refused", actor.user, self._plan.id, data["unit_id"],
            {"where": where, "task_id": data.get("task_id")},
        ))

    # --- saving -----------------------------------------------------------------------------

    async def _save(
        self, uow: UnitOfWork, data: dict[str, Any], task: Task, actor: Actor, now: datetime
    ) -> Step:
        unit_id = data["unit_id"]
        seats = await uow.focal_points.active_for_user(self._plan.id, actor.user)
        seat = next((seat for seat in seats if seat.unit_id == unit_id), None)
        if seat is None:
            return Step.end(Reply("reports.no_longer_member"))
        figures = data.get("figures", {})
        report = await uow.reports.add(Report(
            campaign_id=self._plan.id,
            unit_id=unit_id,
            task_id=task.id,
            version=0,
            status=ReportStatus(data["status"]),
            narrative=data.get("narrative") or "",
            submitted_by=actor.user,
            submitted_by_name=seat.full_name,
            created_at=now,
            period=data.get("period"),
            figures=tuple(ReportFigure(metric.id, figures.get(metric.id))
                          for metric in task.metrics),
            attachments=tuple(_attachment(item) for item in data.get("attachments", [])),
        ))
        assert report.id is not None
        await uow.audit.append(AuditEntry(
            now, "report.submitted", actor.user, self._plan.id, unit_id,
            {"report_id": report.id, "task_id": task.id, "version": report.version,
             "attachments": len(report.attachments)},
        ))
        await self._feed(uow, report, task, now)
        return Step.end(Reply("reports.saved", {
            "reference": report.reference,
            "version": report.version,
            "task": shorten(task.text, TASK_LABEL),
        }))

    async def _feed(self, uow: UnitOfWork, report: Report, task: Task, now: datetime) -> None:
        """One short line per confirmed report to each feed chat; names only, never phones."""
        assert report.id is not None
        for chat in self._feed_chats:
            await uow.outbox.enqueue(OutboxMessage(
                key=f"feed:{report.id}:{chat.key}",
                kind="report_feed",
                address=chat,
                text_key=f"reports.feed_{report.status.value}",
                payload={
                    "unit": self._plan.unit(report.unit_id).short_name,
                    "task": shorten(task.text, 80),
                    "reference": report.reference,
                    "version": report.version,
                },
                locale=self._feed_locale,
                due_at=now,
                created_at=now,
                campaign_id=self._plan.id,
            ))

    # --- reading ----------------------------------------------------------------------------

    def _in_plan_order(self, report: Report) -> Report:
        """The report with its figures in the order the plan lists the task's metrics."""
        task = self.task(report.task_id)
        order = {metric.id: n for n, metric in enumerate(task.metrics)} if task else {}
        figures = sorted(report.figures,
                         key=lambda figure: (order.get(figure.metric_id, len(order)),
                                             figure.metric_id))
        return replace(report, figures=tuple(figures))

    async def tasks(self, unit_id: str) -> list[TaskView]:
        """The unit's tasks, numbered, with phase, deadline and the unit's latest report."""
        async with self._uow_factory() as uow:
            latest = await uow.reports.latest(self._plan.id, unit_id)
        latest = {task_id: self._in_plan_order(r) for task_id, r in latest.items()}
        phases = {phase.id: phase for phase in self._plan.phases}
        deadlines = {deadline.id: deadline for deadline in self._plan.deadlines}
        return [
            TaskView(
                number=number,
                task=task,
                role=TaskRole.LEAD if task.leads_it(unit_id) else TaskRole.COOPERATING,
                phases=tuple(phases[p] for p in task.phases if p in phases),
                deadline=deadlines.get(task.deadline) if task.deadline else None,
                latest=latest.get(task.id),
            )
            for number, task in enumerate(self.tasks_of(unit_id), start=1)
        ]

    async def history(self, unit_id: str) -> list[TaskHistory]:
        """Every version the unit reported, grouped by task in /tasks order."""
        async with self._uow_factory() as uow:
            reports = await uow.reports.for_unit(self._plan.id, unit_id)
        by_task: dict[str, list[Report]] = {}
        for report in reports:
            by_task.setdefault(report.task_id, []).append(self._in_plan_order(report))
        numbered = {task.id: (n, task) for n, task in enumerate(self.tasks_of(unit_id), 1)}
        order = [task.id for task in self.tasks_of(unit_id) if task.id in by_task]
        order += sorted(task_id for task_id in by_task if task_id not in numbered)
        return [
            TaskHistory(
                number=numbered.get(task_id, (None, None))[0],
                task_id=task_id,
                task=numbered.get(task_id, (None, None))[1],
                versions=tuple(by_task[task_id]),
            )
            for task_id in order
        ]

    async def find(self, reference: str, unit_id: str | None) -> Report | None:
        """One report by its reference, if the asker may see it (None unit: staff, any)."""
        report_id = parse_reference(reference)
        if report_id is None:
            return None
        async with self._uow_factory() as uow:
            report = await uow.reports.get(report_id)
        if report is None or report.campaign_id != self._plan.id:
            return None
        if unit_id is not None and report.unit_id != unit_id:
            return None
        return self._in_plan_order(report)

    async def all_reports(self, unit_id: str | None = None) -> list[Report]:
        """Every stored version (of one unit if given), oldest first."""
        async with self._uow_factory() as uow:
            reports = await uow.reports.all(self._plan.id, unit_id)
        return [self._in_plan_order(report) for report in reports]

    def task(self, task_id: str) -> Task | None:
        """The plan's task with this id, if it still has one."""
        return next((task for task in self._plan.tasks if task.id == task_id), None)


def _parse_status(text: str) -> ReportStatus | None:
    """A status from its number (1–4) or its words, in Vietnamese or English."""
    index = parse_choice(text, [_STATUS_WORDS[status][0] for status in STATUSES])
    if index is not None:
        return STATUSES[index]
    for status in STATUSES:
        if says(text, _STATUS_WORDS[status]):
            return status
    return None


def _unique_ref(item: dict[str, Any]) -> str:
    # Drafts saved before addresses (version 0001) named the references after Telegram's.
    return str(item.get("source_unique_ref") or item.get("file_unique_id"))


def _attachment(item: dict[str, Any]) -> Attachment:
    return Attachment(
        kind=AttachmentKind(item["kind"]),
        channel=item.get("channel", LEGACY_CHANNEL),
        source_ref=item.get("source_ref") or item["file_id"],
        source_unique_ref=_unique_ref(item),
        file_name=item.get("file_name"),
        mime_type=item.get("mime_type"),
        size=item.get("size"),
        caption=item.get("caption"),
    )


__all__ = ["ReportingService", "TaskHistory", "TaskView", "parse_reference"]
