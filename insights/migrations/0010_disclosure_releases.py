from django.db import migrations, models


def forget_exact_history(apps, schema_editor):
    # Snapshots held exact figures, which history must no longer show; releases cannot be made for past days
    # (their points' keys are gone), so history starts again with the first snapshot of releases.
    apps.get_model("insights", "MarketRangeSnapshot").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0009_range_sector"),
        ("jobs", "0008_disclosure_keys"),
        ("salaries", "0008_disclosure_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="marketrange",
            name="cell_key",
            field=models.BigIntegerField(
                default=0, help_text="Sum of the points' disclosure keys modulo 2³¹ (insights.disclosure). Never shown."
            ),
        ),
        migrations.AddField(
            model_name="marketrange",
            name="total_cell_key",
            field=models.BigIntegerField(default=0, help_text="The same over the total-compensation points."),
        ),
        migrations.AddField(
            model_name="marketrange",
            name="published",
            field=models.BooleanField(default=False, help_text="The public sees this range's figures (in `release`)."),
        ),
        migrations.AddField(
            model_name="marketrange", name="withheld_reason", field=models.CharField(blank=True, max_length=200)
        ),
        migrations.AddField(model_name="marketrange", name="total_published", field=models.BooleanField(default=False)),
        migrations.AddField(
            model_name="marketrange", name="total_withheld_reason", field=models.CharField(blank=True, max_length=200)
        ),
        migrations.AddField(
            model_name="marketrange",
            name="release",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="The public figures: perturbed counts and percentiles (insights.disclosure).",
            ),
        ),
        migrations.AddField(
            model_name="marketrange",
            name="release_version",
            field=models.PositiveSmallIntegerField(default=0, help_text="insights.disclosure.RULE_VERSION used."),
        ),
        migrations.AddIndex(
            model_name="marketrange", index=models.Index(fields=["computed_at"], name="market_range_computed")
        ),
        migrations.RunPython(forget_exact_history, migrations.RunPython.noop),
        *[
            migrations.RemoveField(model_name="marketrangesnapshot", name=name)
            for name in ("sample_size", "company_count", "recent_count", "p10", "p25", "p50", "p75", "p90", "mean",
                         "total_p50")
        ],  # fmt: skip
        migrations.AddField(
            model_name="marketrangesnapshot",
            name="release",
            field=models.JSONField(
                default=dict, help_text="The range's public figures that day (insights.disclosure)."
            ),
            preserve_default=False,
        ),
    ]
