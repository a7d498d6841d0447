"""Total compensation: the one place where base pay, bonus, equity and sign-on become a yearly total.

total per year = base + target bonus + equity value per year + sign-on bonus spread over the vesting period

- Target bonus: a percentage of base, or an amount per year.
- Equity: either an amount of stock (RSUs) granted over a vesting period, counted as amount / years;
  or a percentage of the company (startup options). A percentage becomes money only when the company's
  latest valuation is given (percentage × valuation / vesting years); otherwise it is reported as a
  percentage and left out of the money total, never guessed.
- Sign-on bonus: spread over the vesting period (default 4 years), so a one-off payment does not
  inflate a single year.
Each component is reported separately beside the total.
"""

from dataclasses import dataclass
from decimal import Decimal

from salaries.money import money

DEFAULT_VESTING_YEARS = 4


@dataclass(frozen=True)
class Package:
    """The components as posted, in the posting's currency; amounts per year unless said otherwise."""

    bonus_target_pct: Decimal | None = None
    bonus_target_amount: Decimal | None = None
    equity_pct_min: Decimal | None = None
    equity_pct_max: Decimal | None = None
    company_valuation: Decimal | None = None
    equity_grant_amount: Decimal | None = None
    vesting_years: int | None = None
    sign_on_bonus: Decimal | None = None


@dataclass(frozen=True)
class TotalCompensation:
    base: Decimal
    bonus: Decimal
    equity_per_year: Decimal
    sign_on_per_year: Decimal
    total: Decimal
    equity_unvalued_pct: tuple[Decimal, Decimal] | None  # a startup grant with no valuation to price it

    def scaled(self, factor: Decimal) -> "TotalCompensation":
        """The same package in another currency (factor = rate), rounded to cents."""
        return TotalCompensation(
            base=money(self.base * factor),
            bonus=money(self.bonus * factor),
            equity_per_year=money(self.equity_per_year * factor),
            sign_on_per_year=money(self.sign_on_per_year * factor),
            total=money(self.total * factor),
            equity_unvalued_pct=self.equity_unvalued_pct,
        )


def total_compensation(*, base: Decimal, package: Package) -> TotalCompensation:
    """Yearly total for a base pay (annual, in the package's currency)."""
    years = Decimal(package.vesting_years or DEFAULT_VESTING_YEARS)
    if package.bonus_target_amount is not None:
        bonus = package.bonus_target_amount
    elif package.bonus_target_pct is not None:
        bonus = base * package.bonus_target_pct / 100
    else:
        bonus = Decimal(0)
    equity = Decimal(0)
    unvalued = None
    if package.equity_grant_amount is not None:
        equity += package.equity_grant_amount / years
    if package.equity_pct_min is not None:
        low = package.equity_pct_min
        high = package.equity_pct_max if package.equity_pct_max is not None else low
        if package.company_valuation:
            equity += (low + high) / 2 / 100 * package.company_valuation / years
        else:
            unvalued = (low, high)
    sign_on = (package.sign_on_bonus or Decimal(0)) / years
    return TotalCompensation(
        base=money(base),
        bonus=money(bonus),
        equity_per_year=money(equity),
        sign_on_per_year=money(sign_on),
        total=money(base + bonus + equity + sign_on),
        equity_unvalued_pct=unvalued,
    )
