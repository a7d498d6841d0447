"""What every posting parser yields: the fields of one job as the services take them, with where it was in the
file (a line for CSV, a position for JSON) for the report."""

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pycountry

from jobs.models import EmploymentType, PayKind, RemotePolicy
from salaries.money import PayPeriod
from salaries.taxonomy import Level, RoleFamily

MAX_REF = 100
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC".split()
)


class RowProblem(Exception):
    def __init__(self, field_name: str | None, reason: str):
        super().__init__(reason)
        self.field, self.reason = field_name, reason


@dataclass
class ImportedPosting:
    source_ref: str
    title: str
    country: str
    salary_min: Decimal | None = None  # None, with the currency empty: no pay given (pay_kind "none")
    salary_max: Decimal | None = None
    salary_currency: str = ""
    salary_period: str = PayPeriod.YEAR
    pay_kind: str = ""  # empty: the employer's pay when pay is given, else none
    pay_source: str = ""  # whose estimate, for pay_kind "estimate"
    city: str = ""
    remote_policy: str = RemotePolicy.ONSITE
    employment_type: str = EmploymentType.FULL_TIME
    description: str = ""
    benefits: str = ""
    level: str = ""  # from the file when it says one; else read from the title, or left for the employer
    role_family: str = ""
    extra: dict = field(default_factory=dict)

    def data(self) -> dict:
        """The fields as posting_create and posting_update take them."""
        fields = {
            "source_ref": self.source_ref, "title": self.title, "country": self.country, "city": self.city,
            "remote_policy": self.remote_policy, "employment_type": self.employment_type,
            "salary_min": self.salary_min, "salary_max": self.salary_max, "salary_currency": self.salary_currency,
            "salary_period": self.salary_period, "description": self.description, "benefits": self.benefits,
        }  # fmt: skip
        fields["pay_kind"] = self.pay_kind or (PayKind.EMPLOYER if self.salary_min is not None else PayKind.NONE)
        fields["pay_source"] = self.pay_source if fields["pay_kind"] == PayKind.ESTIMATE else ""
        if fields["pay_kind"] == PayKind.NONE:
            fields.update(salary_min=None, salary_max=None, salary_currency="")
        if self.level:
            fields["level"] = self.level
        if self.role_family:
            fields["role_family"] = self.role_family
        return fields


def text(value, field_name: str, *, max_length: int, required: bool = False, markup: bool = False) -> str:
    """A plain-text field: no control characters, no markup (unless `markup`: HTML the services sanitise),
    within its length: else a RowProblem naming the field, never a silent cut."""
    if value is None:
        value = ""
    if not isinstance(value, str | int):
        raise RowProblem(field_name, "not text")
    value = str(value).strip()
    if "\x00" in value or re.search(r"[\x01-\x08\x0b\x0c\x0e-\x1f]", value):
        raise RowProblem(field_name, "control characters in the text")
    if any(0xD800 <= ord(char) <= 0xDFFF for char in value):
        raise RowProblem(field_name, "bytes that are not UTF-8")
    if required and not value:
        raise RowProblem(field_name, "missing")
    if not markup and re.search(r"<\s*[a-zA-Z/!?]", value):
        raise RowProblem(field_name, "plain text only: no HTML or other markup")
    if len(value) > max_length:
        raise RowProblem(field_name, f"longer than {max_length:,} characters ({len(value):,})")
    return value


def amount(value, field_name: str, *, scale: int = 1) -> Decimal:
    """A pay amount: a finite positive number below a trillion (cents divided by `scale`)."""
    try:
        number = Decimal(str(value).strip().replace(",", "")) / scale
    except (InvalidOperation, ValueError):
        raise RowProblem(field_name, f"not a number: {str(value)[:40]!r}") from None
    if not number.is_finite() or number <= 0 or number >= Decimal("1e12"):
        raise RowProblem(field_name, f"must be more than 0 and less than a trillion: {str(value)[:40]!r}")
    return number.quantize(Decimal("0.01"))


def currency(value, field_name: str) -> str:
    code = str(value or "").strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise RowProblem(field_name, f"not an ISO 4217 currency: {code[:10]!r}")
    return code


def country_code(value) -> str | None:
    """A country from a code or a name ('DE', 'Germany', 'United Kingdom'), or None."""
    value = str(value or "").strip()
    if not value:
        return None
    if value.upper() == "UK":
        return "GB"
    try:
        return pycountry.countries.lookup(value).alpha_2
    except LookupError:
        return None


def place(location: str, default_country: str | None) -> tuple[str, str, str]:
    """(country, city, remote policy) from a free-text location such as 'Berlin, Germany', 'San Francisco, CA',
    'Remote - US' or 'London'. Raises RowProblem when no country can be told and none is given by default."""
    raw = html.unescape(str(location or "")).strip()
    remote = RemotePolicy.REMOTE if re.search(r"\bremote\b", raw, re.I) else RemotePolicy.ONSITE
    if re.search(r"\bhybrid\b", raw, re.I):
        remote = RemotePolicy.HYBRID
    cleaned = re.sub(r"\b(remote|hybrid|on-?site)\b", "", raw, flags=re.I).strip(" -–,/()")
    parts = [part.strip() for part in re.split(r"[,/]| - ", cleaned) if part.strip()]
    country = None
    if parts:
        last = parts[-1]
        country = "US" if last.upper() in US_STATES else country_code(last)
        if country and len(parts) > 1:
            parts = parts[:-1]
        elif country and len(parts) == 1:
            parts = []
    country = country or default_country
    if not country:
        raise RowProblem("location", f"cannot tell the country from {raw[:60]!r}: give --country")
    city = parts[0] if parts and remote != RemotePolicy.REMOTE else ""
    if len(city) > 100 or re.search(r"[<>]", city):
        city = ""
    return country, city, remote


def level_of(value) -> str:
    value = str(value or "").strip().lower()
    if not value:
        return ""
    if value not in Level.values:
        raise RowProblem("level", f"not a level: {value[:30]!r} (one of {', '.join(Level.values)})")
    return value


def role_of(value) -> str:
    value = str(value or "").strip().lower()
    if not value:
        return ""
    if value not in RoleFamily.values:
        raise RowProblem("role_family", f"not a role family: {value[:30]!r}")
    return value
