"""Campaign plans: the YAML file format, its loader and its renderings."""

from bot.plan.loader import PlanError, PlanIssue, check_plan, load_plan, load_plan_checked
from bot.plan.render import plan_json_schema, plan_to_json, timeline_lines

__all__ = [
    "PlanError",
    "PlanIssue",
    "check_plan",
    "load_plan",
    "load_plan_checked",
    "plan_json_schema",
    "plan_to_json",
    "timeline_lines",
]
