"""Exchange rates: the ECB importer command, rate look-up by date, annualisation, conversion round trips."""

import zipfile
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from salaries.models import ExchangeRate
from salaries.money import (
    CENT,
    NoExchangeRate,
    PayPeriod,
    Rate,
    UnknownCurrency,
    annualise,
    from_usd,
    rate_on,
    to_usd,
)

# Three days in the ECB's layout: newest first, a trailing comma, N/A where no rate was published.
ECB_CSV = """Date,USD,JPY,GBP,ISK,
2024-03-08,1.0920,160.50,0.85000,N/A,
2024-03-06,1.0850,162.00,0.85500,150.10,
2024-03-05,1.0800,N/A,0.86000,149.90,
"""
TEN_PLACES = Decimal("1e-10")


def to_usd_rate(usd_per_eur: str, per_eur: str) -> Decimal:
    """The ECB cross rate: USD per unit of a currency quoted per EUR."""
    return (Decimal(usd_per_eur) / Decimal(per_eur)).quantize(TEN_PLACES)


def write(tmp_path, text=ECB_CSV, name="eurofxref-hist.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def run(path, **options) -> str:
    out = StringIO()
    call_command("import_fx_rates", str(path), stdout=out, **options)
    return out.getvalue()


def snapshot():
    return list(
        ExchangeRate.objects.order_by("currency", "date").values_list("currency", "date", "rate_to_usd", "source")
    )


@pytest.fixture
def no_rates(db):
    """Start from an empty rate table (migrations and conftest load the bundled monthly rates)."""
    ExchangeRate.objects.all().delete()


@pytest.mark.django_db
def test_import_then_rate_on_uses_the_latest_rate_on_or_before_the_date(tmp_path, no_rates):
    run(write(tmp_path))

    between = rate_on("GBP", date(2024, 3, 7))
    assert between.date == date(2024, 3, 6)  # the day it says it used
    assert between.rate_to_usd == to_usd_rate("1.0850", "0.85500")
    assert rate_on("GBP", date(2024, 3, 8)).date == date(2024, 3, 8)
    weekend = rate_on("gbp", date(2024, 3, 10))
    assert (weekend.date, weekend.rate_to_usd) == (date(2024, 3, 8), to_usd_rate("1.0920", "0.85000"))
    assert weekend.source == "European Central Bank euro foreign exchange reference rates (eurofxref-hist.csv)"
    with pytest.raises(NoExchangeRate):
        rate_on("GBP", date(2024, 3, 4))  # before the file's first day


@pytest.mark.django_db
def test_eur_gets_the_usd_per_eur_rate(tmp_path, no_rates):
    run(write(tmp_path))

    assert rate_on("EUR", date(2024, 3, 8)).rate_to_usd == Decimal("1.0920")
    assert rate_on("EUR", date(2024, 3, 5)).rate_to_usd == Decimal("1.0800")
    assert rate_on("USD", date(2024, 3, 5)).rate_to_usd == 1


@pytest.mark.django_db
def test_a_currency_quoted_na_is_skipped_for_that_day_only(tmp_path, no_rates):
    out = run(write(tmp_path))

    assert set(ExchangeRate.objects.filter(currency="JPY").values_list("date", flat=True)) == {
        date(2024, 3, 6),
        date(2024, 3, 8),
    }
    with pytest.raises(NoExchangeRate):
        rate_on("JPY", date(2024, 3, 5))
    # ISK is N/A on the 8th: the 6th's rate is the latest on or before it.
    isk = rate_on("ISK", date(2024, 3, 8))
    assert (isk.date, isk.rate_to_usd) == (date(2024, 3, 6), to_usd_rate("1.0850", "150.10"))
    assert "skipped 2 currency-days quoted N/A" in out
    assert "ISK 1" in out and "JPY 1" in out


@pytest.mark.django_db
def test_summary_counts_rows_rates_currencies_and_dates(tmp_path, no_rates):
    out = run(write(tmp_path))

    # 3 days × (EUR + JPY + GBP + ISK) minus the two N/A cells.
    assert "10 rates - 10 new, 0 updated" in out
    assert "rows read:   3 (days 2024-03-05 to 2024-03-08)" in out
    assert "rates dated: 2024-03-05 to 2024-03-08" in out
    assert "currencies:  4 (EUR, GBP, ISK, JPY)" in out
    assert "\x1b[" not in out  # no progress bar (nor colour) off a terminal
    assert ExchangeRate.objects.count() == 10


@pytest.mark.django_db
def test_a_day_without_a_usd_rate_is_skipped_whole(tmp_path, no_rates):
    out = run(write(tmp_path, "Date,USD,GBP\n2024-03-08,N/A,0.85\n2024-03-07,1.09,0.86\n"))

    assert set(ExchangeRate.objects.values_list("date", flat=True)) == {date(2024, 3, 7)}
    assert "skipped 1 rows (whole days) with no USD rate" in out and "2024-03-08" in out


@pytest.mark.django_db
def test_importing_twice_changes_nothing(tmp_path):
    path = write(tmp_path)
    run(path)
    first = snapshot()

    out = run(path)

    assert snapshot() == first
    assert ExchangeRate.objects.count() == len(first)
    assert "0 new, 0 updated, 10 already stored unchanged" in out


@pytest.mark.django_db
def test_a_corrected_rate_replaces_the_stored_one(tmp_path, no_rates):
    run(write(tmp_path))
    count = ExchangeRate.objects.count()

    out = run(write(tmp_path, ECB_CSV.replace("0.85500", "0.84000"), name="corrected.csv"))

    assert ExchangeRate.objects.count() == count
    assert rate_on("GBP", date(2024, 3, 6)).rate_to_usd == to_usd_rate("1.0850", "0.84000")
    assert rate_on("GBP", date(2024, 3, 6)).source.endswith("(corrected.csv)")
    # GBP on the 6th has a new rate; the other nine rates only get the new file's name as source.
    assert "1 with a different rate, 9 with the same rate but another source text" in out


@pytest.mark.django_db
def test_source_can_be_given(tmp_path, no_rates):
    run(write(tmp_path), source="ECB, downloaded 2024-03-09")

    assert set(ExchangeRate.objects.values_list("source", flat=True)) == {"ECB, downloaded 2024-03-09"}


@pytest.mark.django_db
def test_a_zip_holding_one_csv_is_imported(tmp_path, no_rates):
    archive = tmp_path / "eurofxref-hist.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("eurofxref-hist.csv", ECB_CSV)

    out = run(archive)

    assert ExchangeRate.objects.count() == 10
    assert "eurofxref-hist.zip:eurofxref-hist.csv" in out
    assert rate_on("GBP", date(2024, 3, 7)).source.endswith("(eurofxref-hist.zip)")


@pytest.mark.django_db
def test_a_zip_must_hold_exactly_one_csv(tmp_path):
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.csv", ECB_CSV)
        zf.writestr("b.csv", ECB_CSV)
    before = snapshot()

    with pytest.raises(CommandError, match="exactly one .csv"):
        run(archive)
    assert snapshot() == before


MALFORMED = {
    "no USD column": ("Date,JPY,GBP\n2024-03-08,160.5,0.85\n", "no USD column"),
    "no Date column": ("Day,USD,GBP\n2024-03-08,1.09,0.85\n", "no Date column"),
    "unparseable date late in the file": (ECB_CSV + "8 March 2024,1.09,160,0.85,150,\n", "line 5: '8 March 2024'"),
    "the same day twice": (ECB_CSV + "2024-03-06,1.09,160,0.85,150,\n", "2024-03-06 already appears on line 3"),
    "a column that is no currency": ("Date,USD,Pound sterling\n2024-03-08,1.09,0.85\n", "'POUND STERLING'"),
    "a rate that is no number": ("Date,USD,GBP\n2024-03-08,1.09,inf\n", "'inf' is not an exchange rate"),
    "an empty file": ("", "is empty"),
    "a spreadsheet saved as CSV": ("Currency;Rate\nUSD;1.09\n", "no Date or USD column"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("text, message", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_file_not_in_the_ecb_layout_imports_nothing(tmp_path, text, message):
    before = snapshot()

    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        run(write(tmp_path, text))

    assert snapshot() == before


@pytest.mark.django_db
def test_a_missing_file_or_a_non_text_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "nowhere.csv")
    binary = tmp_path / "rates.csv"
    binary.write_bytes(b"\xff\xfe\x00D\x00a\x00t\x00e")
    with pytest.raises(CommandError, match="not UTF-8"):
        run(binary)


@pytest.mark.django_db
def test_batches_write_every_rate(tmp_path, no_rates):
    run(write(tmp_path), batch_size=3)

    assert ExchangeRate.objects.count() == 10


@pytest.mark.django_db
def test_rate_on_refuses_unknown_codes_and_missing_rates_instead_of_one():
    with pytest.raises(UnknownCurrency):
        rate_on("XYZ", date(2024, 3, 8))
    # CLP is a real currency the ECB does not quote, so neither the bundled rates nor an import bring one.
    assert not ExchangeRate.objects.filter(currency="CLP").exists()
    with pytest.raises(NoExchangeRate, match="CLP"):
        rate_on("CLP", date(2024, 3, 8))
    first_gbp = ExchangeRate.objects.filter(currency="GBP").order_by("date").first().date
    with pytest.raises(NoExchangeRate, match="GBP"):
        rate_on("GBP", date.fromordinal(first_gbp.toordinal() - 1))


@pytest.mark.django_db
def test_before_any_import_a_valid_currency_has_no_rate(tmp_path, no_rates):
    with pytest.raises(NoExchangeRate, match="ISK"):
        rate_on("ISK", date(2024, 3, 8))

    run(write(tmp_path))

    assert rate_on("ISK", date(2024, 3, 8)).date == date(2024, 3, 6)
    with pytest.raises(NoExchangeRate, match="ISK on or before 2024-03-04"):
        rate_on("ISK", date(2024, 3, 4))


@pytest.mark.parametrize(
    "amount, period, annual",
    [
        (50, PayPeriod.HOUR, 104_000),
        (400, PayPeriod.DAY, 104_000),
        (2_000, PayPeriod.WEEK, 104_000),
        (9_000, PayPeriod.MONTH, 108_000),
        (120_000, PayPeriod.YEAR, 120_000),
        (Decimal("37.50"), PayPeriod.HOUR, 78_000),
    ],
)
def test_annualise(amount, period, annual):
    assert annualise(Decimal(amount), period) == annual


amounts = st.decimals(min_value=1, max_value=10**7, places=2)
# From the weakest currencies the ECB quotes (IDR: ~0.00006 USD) to the strongest (KWD: ~3.3 USD).
rates = st.decimals(min_value=Decimal("0.00001"), max_value=Decimal("5"), places=10)


@given(amount=amounts, rate_to_usd=rates)
def test_from_usd_undoes_to_usd_within_a_cent(amount, rate_to_usd):
    rate = Rate(currency="XXX", date=date(2024, 3, 8), rate_to_usd=rate_to_usd, source="test")

    back = from_usd(to_usd(amount, rate), rate)

    # to_usd rounds to a US cent, so for a currency worth less than a dollar the round trip can miss
    # by a US cent's worth of it (1 USD cent ≈ 1.5 JPY); for one worth more, by a cent of its own.
    assert abs(back - amount) <= max(CENT, CENT / rate_to_usd)
    assert abs(back - amount) * min(rate_to_usd, 1) <= CENT  # i.e. never more than one US cent


@given(amount=amounts, rate_to_usd=st.decimals(min_value=1, max_value=5, places=10))
def test_for_currencies_worth_a_dollar_or_more_the_round_trip_is_within_a_cent_of_their_own(amount, rate_to_usd):
    rate = Rate(currency="XXX", date=None, rate_to_usd=rate_to_usd, source="test")

    assert abs(from_usd(to_usd(amount, rate), rate) - amount) <= CENT


@pytest.mark.django_db
def test_a_retired_currency_converts_for_dates_when_it_existed(tmp_path, no_rates):
    run(write(tmp_path, "Date,USD,HRK\n2020-06-01,1.1136,7.5745\n"))
    rate = rate_on("HRK", date(2021, 1, 4))
    assert rate.date == date(2020, 6, 1) and rate.rate_to_usd == to_usd_rate("1.1136", "7.5745")


@pytest.mark.django_db
def test_the_bundled_rates_reach_back_to_1999():
    assert ExchangeRate.objects.filter(currency="EUR").earliest("date").date == date(1999, 1, 4)
    rate = rate_on("EUR", date(2005, 7, 15))
    assert rate.date == date(2005, 7, 1) and Decimal("1.1") < rate.rate_to_usd < Decimal("1.3")  # ~1.19 USD a euro
    assert rate_on("GBP", date(2001, 3, 10)).date == date(2001, 3, 1)
