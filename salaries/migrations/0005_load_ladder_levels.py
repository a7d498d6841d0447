import json
from pathlib import Path

from django.db import migrations

LADDERS = Path(__file__).resolve().parent.parent / "data" / "level_ladders.json"


def load(apps, schema_editor):
    LadderLevel = apps.get_model("salaries", "LadderLevel")
    for ladder, rungs in json.loads(LADDERS.read_text())["ladders"].items():
        for position, (code, level, title) in enumerate(rungs):
            LadderLevel.objects.update_or_create(
                ladder=ladder, code=code, defaults={"level": level, "title": title, "position": position}
            )


class Migration(migrations.Migration):
    dependencies = [("salaries", "0004_ladder_levels")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
