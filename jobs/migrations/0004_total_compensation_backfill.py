from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    # Postings made before packages existed had no declared extras: their total is their base.
    apps.get_model("jobs", "JobPosting").objects.filter(total_comp_mid_usd__isnull=True).update(
        total_comp_mid_usd=F("salary_mid_usd")
    )


class Migration(migrations.Migration):
    dependencies = [("jobs", "0003_total_compensation")]
    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="jobposting",
            name="total_comp_mid_usd",
            field=models.DecimalField(
                decimal_places=2,
                help_text="Total compensation per year at the midpoint of the base range, annual USD (salaries.compensation).",
                max_digits=14,
            ),
        ),
    ]
