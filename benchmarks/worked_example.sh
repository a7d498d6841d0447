# Worked example for the insights: the startup-vs-big-tech gap and the top skill premiums, on the demo data and on
# the ai-jobs survey file, each in its own SQLite database under /tmp. Run from the project root:
#     bash benchmarks/worked_example.sh
set -e
cd "$(dirname "$0")/.."
mkdir -p /tmp/bench
export DJANGO_DEBUG=0 ALLOWED_HOSTS=testserver EMBEDDED_BEAT=0
unset REDIS_URL CELERY_BROKER_URL
Q='from django.test import Client
import json
c = Client()
for place in ("US", "world"):
    b = c.get(f"/api/v1/insights/startup-vs-bigtech/?role=ml_engineer&place={place}").json()
    print(place, "overall", b["overall_cash_gap_pct"], "n", b["overall_sample_size"])
    for r in b["sections"][0]["rows"]:
        if r["counted"]:
            print("  ", r["level"], r["startup"]["p50"], r["startup"]["sample_size"], r["large"]["p50"], r["large"]["sample_size"], r["cash_gap_pct"])
for role in ("ml_engineer", "data_scientist", "data_engineer", "research_scientist"):
    for level in ("mid", "senior"):
        rows = c.get(f"/api/v1/insights/skills/?role={role}&level={level}").json()["results"]
        shown = [r for r in rows if r["premium_pct"] is not None][:4]
        print("skills", role, level, [(r["skill"], r["premium_pct"], r["uncertainty_pct"], r["within_noise"], r["countries_compared"], r["with_skill_sample_size"], r["without_skill_sample_size"]) for r in shown])
'
echo "== demo"
rm -f /tmp/bench/demo.sqlite3
export DATABASE_URL=sqlite:////tmp/bench/demo.sqlite3
.venv/bin/python manage.py migrate -v0 && .venv/bin/python manage.py demo >/dev/null && .venv/bin/python manage.py load_seed_benchmarks >/dev/null && .venv/bin/python manage.py rebuild_market_ranges
.venv/bin/python manage.py shell -c "$Q"
echo "== ai-jobs"
rm -f /tmp/bench/aijobs.sqlite3
export DATABASE_URL=sqlite:////tmp/bench/aijobs.sqlite3
.venv/bin/python manage.py migrate -v0 && .venv/bin/python manage.py import_salaries --format aijobs ../shared/data/aijobs-salaries-2025-01-19.csv --release 2025-01-19 >/dev/null && .venv/bin/python manage.py rebuild_market_ranges
.venv/bin/python manage.py shell -c "$Q"
