"""Filters for the candidate pages: money with its currency, and the labels of stored choices."""

from decimal import Decimal, InvalidOperation

from django import template

from jobs.pages import country_name
from jobs.pages import ordinal as ordinal_of

register = template.Library()


@register.filter
def money(value, currency: str = "") -> str:
    """120000 → '120,000 EUR' (no decimals: pay figures here are annual or per period amounts)."""
    if value is None or value == "":
        return "–"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    places = 0 if abs(amount) >= 100 else 2
    return f"{amount:,.{places}f}{' ' + currency if currency else ''}"


@register.filter
def country(code: str) -> str:
    return country_name(code)


@register.filter
def label_of(value: str, choices) -> str:
    """The human label of a stored choice value (`level|label_of:choices.level`)."""
    return dict(choices).get(value, value)


@register.filter
def percent(value) -> str:
    """A float as an SVG/CSS percentage, never localised ('12.50%')."""
    return f"{float(value):.2f}%"


@register.filter
def ordinal(value) -> str:
    return ordinal_of(value)
