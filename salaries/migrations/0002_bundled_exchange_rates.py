from django.db import migrations


def load(apps, schema_editor):
    from salaries.services import exchange_rates_load_bundled

    exchange_rates_load_bundled(model=apps.get_model("salaries", "ExchangeRate"))


class Migration(migrations.Migration):
    dependencies = [("salaries", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
