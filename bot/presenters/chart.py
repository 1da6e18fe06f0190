"""The /summary chart: task status by unit as horizontal stacked bars, PNG, phone-readable.

Drawn with matplotlib's Agg canvas directly (no pyplot, no display, safe in a worker thread);
DejaVu Sans, matplotlib's bundled font, has every Vietnamese letter.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.domain.plan import Plan
from bot.presenters.common import format_when, target_values, unit_name, unit_target_values
from bot.services.summary import NOT_REPORTED, TASK_STATES, Summary, UnitSummary
from bot.texts import t

MAX_UNITS = 30  # more bars than this are unreadable on a phone
COLOURS = {
    "done": "#2e7d32",
    "in_progress": "#1e88e5",
    "problem": "#fb8c00",
    "not_started": "#9e9e9e",
    NOT_REPORTED: "#e53935",
}


def _literal(text: str) -> str:
    """The text as written: matplotlib reads `$…$` as math, and an unbalanced one would stop
    the chart (a unit's short name is the plan author's, not ours)."""
    return text.replace("$", r"\$")


def _outstanding(unit: UnitSummary) -> int:
    return unit.total - unit.tasks.get("done", 0)


def chart_units(summary: Summary) -> list[UnitSummary]:
    """The units the chart shows, top to bottom: in plan order, at most MAX_UNITS of them."""
    units = [unit for unit in summary.units if unit.total]
    if len(units) > MAX_UNITS:
        # The units with the most work left are the ones the head needs to see.
        chosen = {u.unit_id for u in sorted(units, key=_outstanding, reverse=True)[:MAX_UNITS]}
        units = [unit for unit in units if unit.unit_id in chosen]
    return units


def status_chart(summary: Summary, plan: Plan, locale: str) -> bytes:
    """PNG bytes of the chart."""
    total = len([unit for unit in summary.units if unit.total])
    units = chart_units(summary)
    title = t("summary.chart_title", locale)
    if total > len(units):
        title = t("summary.chart_title_top", locale, shown=len(units), total=total)
    units.reverse()  # barh draws bottom-up; the plan's first unit belongs on top
    names = [_literal(unit_name(plan, unit.unit_id)) for unit in units]

    height = 1.6 + 0.42 * max(len(units), 1)
    # Constrained layout keeps the legend and the title outside the bars without overlaps.
    figure = Figure(figsize=(8, height), dpi=150, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(units))
    left = [0] * len(units)
    for state in TASK_STATES:
        counts = [unit.tasks.get(state, 0) for unit in units]
        if not any(counts):
            continue
        bars = axes.barh(positions, counts, left=left, color=COLOURS[state], height=0.7,
                         label=_literal(t(f"workbook.state_{state}", locale)))
        axes.bar_label(bars, labels=[str(c) if c else "" for c in counts], label_type="center",
                       color="white", fontsize=10, fontweight="bold")
        left = [a + b for a, b in zip(left, counts, strict=True)]
    axes.set_yticks(list(positions), names, fontsize=11)
    axes.set_ylim(-0.6, len(units) - 0.4)
    axes.set_xlabel(_literal(t("summary.chart_axis", locale)), fontsize=11)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", alpha=0.3)
    axes.set_axisbelow(True)
    figure.suptitle(_literal(title), x=0.02, ha="left", fontsize=13, fontweight="bold")
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, fontsize=10, frameon=False)
    figure.text(0.99, 0.005, _literal(t("summary.chart_updated", locale,
                                        now=format_when(summary.now, summary.timezone))),
                ha="right", va="bottom", fontsize=8, color="#616161")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


# --- targets (chỉ tiêu): how much of each target is reached ----------------------------------

TARGET_COLOURS = {"met": "#2e7d32", "below": "#e53935"}
TARGET_AXIS_MAX = 150  # a unit far over its target would squash every other bar


@dataclass(frozen=True)
class TargetBar:
    """One bar of the target chart: whose result, its share of the target, its label."""

    name: str
    percent: int
    text: str
    below: bool


def target_bars(summary: Summary, plan: Plan, locale: str) -> list[TargetBar]:
    """The bars of the target chart, top to bottom: each metric's plan total, then its units."""
    bars: list[TargetBar] = []
    for item in summary.targets:
        values = target_values(item, locale)
        if item.target is not None and item.percent is not None:
            bars.append(TargetBar(
                t("summary.target_bar_plan", locale, label=item.label), item.percent,
                t("summary.target_bar", locale, **values), item.result < item.target))
        for unit in item.units[:MAX_UNITS]:
            unit_values = unit_target_values(plan, item, unit, locale)
            bars.append(TargetBar(
                t("summary.target_bar_unit", locale, label=item.label, unit=unit_values["unit"]),
                unit.percent or 0, t("summary.target_bar", locale, **unit_values), unit.below))
    return bars


def target_chart(summary: Summary, plan: Plan, locale: str) -> bytes:
    """PNG bytes of the target chart: one bar per target, the share reached, 100 % marked."""
    bars = target_bars(summary, plan, locale)
    bars.reverse()  # barh draws bottom-up
    height = 1.6 + 0.42 * max(len(bars), 1)
    figure = Figure(figsize=(8, height), dpi=150, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(bars))
    shown = [min(bar.percent, TARGET_AXIS_MAX) for bar in bars]
    colours = [TARGET_COLOURS["below" if bar.below else "met"] for bar in bars]
    drawn = axes.barh(positions, shown, color=colours, height=0.7)
    axes.bar_label(drawn, labels=[_literal(bar.text) for bar in bars], padding=3, fontsize=9)
    axes.axvline(100, color="#424242", linewidth=1, linestyle="--")
    axes.set_yticks(list(positions), [_literal(bar.name) for bar in bars], fontsize=10)
    axes.set_xlim(0, TARGET_AXIS_MAX + 40)
    axes.set_xlabel(_literal(t("summary.target_chart_axis", locale)), fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    figure.suptitle(_literal(t("summary.target_chart_title", locale)), x=0.02, ha="left",
                    fontsize=13, fontweight="bold")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
