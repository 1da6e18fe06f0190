"""Numbers the way each language writes them: 2.000.000 and 5,5 in Vietnamese, 2,000,000 and 5.5
in English. Every figure shown to people goes through here."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.figures import MetricKind

#: (thousands separator, decimal separator) per locale.
_SEPARATORS = {"vi": (".", ","), "en": (",", ".")}
#: The word shown after a money figure when the plan names no unit.
DONG = "đồng"


def format_decimal(value: Decimal | int, locale: str) -> str:
    """A number with its thousands grouped and no trailing zeros after the decimal mark."""
    thousands, mark = _SEPARATORS.get(locale, _SEPARATORS["vi"])
    number = Decimal(value)
    if number == number.to_integral_value():
        whole, fraction = f"{int(number):,}", ""
    else:
        text = format(number.normalize(), "f")
        head, fraction = text.split(".")
        whole = f"{int(head):,}" if head not in ("-0", "") else head
    grouped = whole.replace(",", thousands)
    return f"{grouped}{mark}{fraction}" if fraction else grouped


def format_amount(value: Decimal | int, kind: MetricKind, unit: str, locale: str) -> str:
    """A figure with its unit: "12", "12 bài", "5,5 km", "80 %", "2.000.000 đồng"."""
    number = format_decimal(value, locale)
    if kind is MetricKind.PERCENT:
        return f"{number} %"
    if kind is MetricKind.MONEY:
        return f"{number} {unit or DONG}"
    return f"{number} {unit}" if unit else number


__all__ = ["DONG", "format_amount", "format_decimal"]
