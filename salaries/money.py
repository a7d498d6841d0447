"""Money and pay periods: the one module that owns annualisation and currency conversion.

Pay is stored as posted (amount, currency, period) and normalised to an annual amount in USD,
with the exchange rate and its date recorded beside it. Periods are annualised with the US
Bureau of Labor Statistics convention, which OEWS uses for its annual wage figures:
one year = 2,080 hours = 260 working days = 52 weeks = 12 months.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pycountry
from django.db import models

from config.errors import DomainError

BASE_CURRENCY = "USD"
CENT = Decimal("0.01")
# Annual pay in USD outside these bounds is a typo or a wrong period (a yearly figure posted as
# hourly), not a job: 1,000 a year is below any full-time wage anywhere, and 5,000,000 a year is
# far above the highest cash pay the seed articles report ($821,000).
PLAUSIBLE_ANNUAL_USD = (Decimal("1000"), Decimal("5000000"))


class PayPeriod(models.TextChoices):
    HOUR = "HOUR", "Per hour"
    DAY = "DAY", "Per day"
    WEEK = "WEEK", "Per week"
    MONTH = "MONTH", "Per month"
    YEAR = "YEAR", "Per year"


PERIODS_PER_YEAR: dict[str, int] = {
    PayPeriod.HOUR: 2080,
    PayPeriod.DAY: 260,
    PayPeriod.WEEK: 52,
    PayPeriod.MONTH: 12,
    PayPeriod.YEAR: 1,
}


class UnknownCurrency(DomainError):
    code = "unknown_currency"
    field = "salary_currency"


class ImplausiblePay(DomainError):
    code = "implausible_pay"


class NoExchangeRate(DomainError):
    code = "no_exchange_rate"
    field = "salary_currency"


@dataclass(frozen=True)
class Rate:
    """One currency's value in USD on a date, and where that figure came from."""

    currency: str
    date: date | None
    rate_to_usd: Decimal
    source: str


USD_RATE = Rate(currency=BASE_CURRENCY, date=None, rate_to_usd=Decimal(1), source="identity")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def currency_is_iso4217(code: str) -> bool:
    return isinstance(code, str) and len(code) == 3 and pycountry.currencies.get(alpha_3=code.upper()) is not None


def annualise(amount: Decimal, period: str) -> Decimal:
    if period not in PERIODS_PER_YEAR:
        raise DomainError(f"Unknown pay period {period!r}.", field="salary_period", code="invalid_choice")
    return Decimal(amount) * PERIODS_PER_YEAR[period]


def rate_on(currency: str, on_date: date) -> Rate:
    """The latest rate on or before `on_date`; never a silent 1.0 for a currency we lack."""
    from salaries.models import ExchangeRate

    currency = currency.upper()
    if currency == BASE_CURRENCY:
        return USD_RATE
    # The table first: it also holds currencies since retired (HRK until 2022), valid for their dates.
    row = ExchangeRate.objects.filter(currency=currency, date__lte=on_date).order_by("-date").first()
    if row is not None:
        return Rate(currency=currency, date=row.date, rate_to_usd=row.rate_to_usd, source=row.source)
    if not currency_is_iso4217(currency):
        raise UnknownCurrency(f"{currency!r} is not an ISO 4217 currency code.")
    raise NoExchangeRate(f"No exchange rate for {currency} on or before {on_date.isoformat()}.")


def latest_rates(currencies: set[str], on_date: date) -> dict[str, Rate]:
    """The latest rate on or before `on_date` for each currency, in one query (for list pages)."""
    from django.db import connection

    from salaries.models import ExchangeRate

    wanted = sorted({c.upper() for c in currencies} - {BASE_CURRENCY})
    rates = {BASE_CURRENCY: USD_RATE}
    if not wanted:
        return rates
    # Each currency's latest row is one index lookup (exchange_rate_latest), all in one statement: the cost
    # follows the currencies asked for, not the years of history held. Plain SQL: a list page asks on every
    # request, and building this through the ORM cost ten times the query.
    table = ExchangeRate._meta.db_table
    newest = (
        f"SELECT * FROM (SELECT currency, date, rate_to_usd, source FROM {table} "
        f"WHERE currency = %s AND date <= %s ORDER BY date DESC LIMIT 1) latest"
    )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join([newest] * len(wanted)), [v for c in wanted for v in (c, on_date)])
        for currency, day, rate, source in cursor.fetchall():
            rates[currency] = Rate(currency, _as_date(day), _as_rate(rate), source)
    return rates


def to_usd(amount: Decimal, rate: Rate) -> Decimal:
    return money(Decimal(amount) * rate.rate_to_usd)


def check_plausible_annual_usd(amount: Decimal, *, field: str) -> None:
    low, high = PLAUSIBLE_ANNUAL_USD
    if not low <= amount <= high:
        raise ImplausiblePay(
            f"This is {amount:,.0f} USD a year; pay must come to between {low:,.0f} and {high:,.0f} USD a year. "
            "Check the amount and the pay period.",
            field=field,
        )


def from_usd(amount_usd: Decimal, rate: Rate) -> Decimal:
    return money(Decimal(amount_usd) / rate.rate_to_usd)


def _as_date(value) -> date:
    """SQLite returns dates from raw SQL as text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_rate(value) -> Decimal:
    """PostgreSQL returns the numeric as a Decimal; SQLite a float, read back to the column's 10 places."""
    return value if isinstance(value, Decimal) else Decimal(repr(value)).quantize(Decimal("1e-10"))
