"""The pay-transparency rules this product checks postings against, as first curated (editable in the admin
afterwards). Sources are the laws themselves; requirements summarised from them."""

from datetime import date

from django.db import migrations

RULES = [
    {
        "code": "us-co-epewa",
        "name": "Colorado Equal Pay for Equal Work Act",
        "country": "US",
        "subdivision": "CO",
        "covers_remote": True,
        "min_employees": 1,
        "effective_from": date(2021, 1, 1),
        "requires_range": True,
        "requires_benefits": True,
        "requires_bonus_description": True,
        "source_title": "Colorado SB19-085, Equal Pay for Equal Work Act (C.R.S. 8-5-201)",
        "source_url": "https://leg.colorado.gov/bills/sb19-085",
        "notes": "A pay range and a general description of benefits and other compensation in every posting for "
        "work in Colorado, including remote work that can be done from Colorado.",
    },
    {
        "code": "us-nyc-ll32",
        "name": "New York City Local Law 32 of 2022",
        "country": "US",
        "subdivision": "NY",
        "city_slugs": "new-york,new-york-city,nyc,manhattan,brooklyn,queens,bronx,staten-island",
        "min_employees": 4,
        "effective_from": date(2022, 11, 1),
        "requires_range": True,
        "forbids_open_ended": True,
        "source_title": "NYC Human Rights Law §8-107(32), as amended by Local Law 32 of 2022",
        "source_url": "https://www.nyc.gov/site/cchr/media/pay-transparency.page",
        "notes": "A good-faith minimum and maximum; an open-ended range ('from $X') does not comply.",
    },
    {
        "code": "us-ny-194b",
        "name": "New York State Labor Law §194-b",
        "country": "US",
        "subdivision": "NY",
        "min_employees": 4,
        "effective_from": date(2023, 9, 17),
        "requires_range": True,
        "forbids_open_ended": True,
        "source_title": "New York Labor Law §194-b",
        "source_url": "https://dol.ny.gov/pay-transparency",
        "notes": "A good-faith minimum and maximum for jobs performed at least in part in New York State.",
    },
    {
        "code": "us-ca-sb1162",
        "name": "California SB 1162 (Labor Code §432.3)",
        "country": "US",
        "subdivision": "CA",
        "min_employees": 15,
        "effective_from": date(2023, 1, 1),
        "requires_range": True,
        "source_title": "California Labor Code §432.3, as amended by SB 1162 (2022)",
        "source_url": "https://leginfo.legislature.ca.gov/faces/billNavClient.xhtml?bill_id=202120220SB1162",
        "notes": "Employers with 15 or more employees include the pay scale in every job posting.",
    },
    {
        "code": "us-wa-epoa",
        "name": "Washington Equal Pay and Opportunities Act",
        "country": "US",
        "subdivision": "WA",
        "min_employees": 15,
        "effective_from": date(2023, 1, 1),
        "requires_range": True,
        "requires_benefits": True,
        "requires_bonus_description": True,
        "source_title": "RCW 49.58.110, as amended by SB 5761 (2022)",
        "source_url": "https://app.leg.wa.gov/RCW/default.aspx?cite=49.58.110",
        "notes": "A wage scale or salary range and a general description of all benefits and other compensation.",
    },
    {
        "code": "eu-2023-970",
        "name": "EU Pay Transparency Directive 2023/970, Article 5",
        "eu_wide": True,
        "min_employees": 1,
        "effective_from": date(2026, 6, 7),
        "requires_range": True,
        "source_title": "Directive (EU) 2023/970, Article 5 (transposition deadline 7 June 2026)",
        "source_url": "https://eur-lex.europa.eu/eli/dir/2023/970/oj",
        "notes": "Initial pay or its range, based on objective, gender-neutral criteria, before the interview "
        "(in the vacancy notice or otherwise). Member states' own laws may add to it.",
    },
]


def add_rules(apps, schema_editor):
    rule = apps.get_model("jobs", "PayTransparencyRule")
    for fields in RULES:
        rule.objects.update_or_create(code=fields["code"], defaults=fields)


def remove_rules(apps, schema_editor):
    apps.get_model("jobs", "PayTransparencyRule").objects.filter(code__in=[r["code"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("jobs", "0010_pay_transparency")]
    operations = [migrations.RunPython(add_rules, remove_rules)]
