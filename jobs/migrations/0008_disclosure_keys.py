import django.db.models
from django.db import migrations

import insights.disclosure


def random_keys(apps, schema_editor):
    table = apps.get_model("jobs", "JobPosting")._meta.db_table
    # Each existing row gets its own random key (AddField alone gives every row the same one).
    schema_editor.execute(insights.disclosure.random_keys_sql(table, schema_editor.connection.vendor))


class Migration(migrations.Migration):
    dependencies = [("jobs", "0007_company_sector")]

    operations = [
        migrations.AddField(
            model_name="jobposting",
            name="disclosure_key",
            field=django.db.models.IntegerField(
                default=insights.disclosure.new_record_key,
                editable=False,
                help_text="Random and secret: market ranges' public noise is drawn from their points' keys (insights.disclosure).",
            ),
        ),
        migrations.RunPython(random_keys, migrations.RunPython.noop),
    ]
