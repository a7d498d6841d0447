from collections.abc import Iterable

from django.db import transaction

from salaries.importers.ecb_rates import BUNDLED_SOURCE, ParsedRate, history_lines, monthly_lines, parse_ecb_rows
from salaries.models import ExchangeRate


def exchange_rates_upsert(*, rates: Iterable[ParsedRate], source: str, model=ExchangeRate) -> int:
    """Insert or update rates by (currency, date); importing the same file twice changes nothing."""
    objs = [model(currency=r.currency, date=r.date, rate_to_usd=r.rate_to_usd, source=source) for r in rates]
    # `updated_at` feeds response validators (config.conditional); the bundled rates' migration runs before it exists.
    stamped = ["updated_at"] if any(field.name == "updated_at" for field in model._meta.fields) else []
    with transaction.atomic():
        model.objects.bulk_create(
            objs,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["currency", "date"],
            update_fields=["rate_to_usd", "source", *stamped],
        )
    return len(objs)


def exchange_rate_save(*, rate: ExchangeRate, user) -> ExchangeRate:
    """A curator's correction of one day's rate (the admin's edit form), kept in the audit trail. Postings and
    records already converted keep the rate they were converted at (they store it); new conversions use this."""
    from jobs.audit import audit_record, changes_between, fields_of
    from jobs.models import AuditAction

    names = ["currency", "date", "rate_to_usd", "source"]
    with transaction.atomic():
        stored = ExchangeRate.objects.select_for_update().filter(pk=rate.pk).first() if rate.pk else None
        before = fields_of(stored, names) if stored else {}
        rate.save()
        changes = changes_between(before, fields_of(rate, names))
        if changes:
            audit_record(action=AuditAction.EXCHANGE_RATE_CHANGED, obj=rate, actor=user, changes=changes)
    return rate


def exchange_rates_load_bundled(*, model=ExchangeRate) -> int:
    """The ECB's rates on the first business day of each month since 1999, and its latest day."""
    lines = monthly_lines(history_lines())
    return exchange_rates_upsert(rates=list(parse_ecb_rows(lines)), source=BUNDLED_SOURCE, model=model)
