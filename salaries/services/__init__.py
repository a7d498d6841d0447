"""Writes to salary data: exchange rates, benchmarks and their checks, survey observations."""

from salaries.services.exchange_rates import exchange_rates_load_bundled, exchange_rates_upsert

__all__ = ["exchange_rates_load_bundled", "exchange_rates_upsert"]
