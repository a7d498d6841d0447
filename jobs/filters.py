"""The job search's filters (`GET /api/v1/jobs/`). Several values of one filter are any of them
(`?level=senior&level=staff`); different filters all apply. A value the filter does not know is a 400 naming the
parameter, never a silently empty list."""

from datetime import datetime, time
from decimal import Decimal, InvalidOperation

import django_filters
import pycountry
from django import forms
from django.db import connection
from django.utils import timezone
from django.utils.text import slugify

from config.api import StrictBooleanFilter
from insights.regions import COUNTRIES_IN, REGION_NAMES
from jobs.models import Company, EmploymentType, JobPosting, PayKind, RemotePolicy
from jobs.search import postings_matching
from salaries.money import PERIODS_PER_YEAR, PayPeriod
from salaries.skills import SKILL_CHOICES
from salaries.taxonomy import Level, RoleFamily, Sector, SizeBand


class MultipleCountryField(forms.MultipleChoiceField):
    """ISO 3166-1 alpha-2 codes in any case; an unknown code is an error."""

    def to_python(self, value):
        return [str(code).strip().upper() for code in super().to_python(value)]

    def valid_value(self, value):
        return len(value) == 2 and pycountry.countries.get(alpha_2=value) is not None


class MultipleCompanyField(forms.MultipleChoiceField):
    """Company slugs; one that names no company is an error (one indexed lookup for all of them)."""

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        known = set(Company.objects.filter(slug__in=value).values_list("slug", flat=True))
        unknown = [slug for slug in value if slug not in known]
        if unknown:
            # The slugs go in as a parameter: the message is %-formatted later (django-filter), and a slug may hold "%".
            named = ", ".join(sorted(unknown))
            raise forms.ValidationError("No company %(slugs)s.", code="invalid_choice", params={"slugs": named[:200]})


class AnyOfFilter(django_filters.MultipleChoiceFilter):
    """Several values, any of them. Never DISTINCT (django-filter's default for this filter): every filter here is
    on the posting or its one company, so no row repeats, and DISTINCT over every column would make PostgreSQL
    sort all the matches instead of walking the list's index (590 ms against 7 ms at a million postings)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


class MultipleCountryFilter(AnyOfFilter):
    field_class = MultipleCountryField


class MultipleCompanyFilter(AnyOfFilter):
    field_class = MultipleCompanyField


class FacetsFilter(django_filters.BaseCSVFilter, django_filters.ChoiceFilter):
    """A comma-separated list of facet names, each checked."""


ORDERING_NAMES = ("newest", "pay", "relevance", "market")  # jobs.selectors.PUBLIC_ORDERINGS
FACET_NAMES = (
    "role",
    "level",
    "country",
    "remote_policy",
    "employment_type",
    "size",
    "sector",
)  # jobs.selectors.FACETS


class _SharedFields(dict):
    """A filter form's fields, shared by its instances: Django deep-copies a form's fields (and their choices) for each
    instance so that one may change them, which this form never does, and the copy was most of its cost."""

    def __deepcopy__(self, memo):
        return dict(self)


class JobPostingFilter(django_filters.FilterSet):
    role = AnyOfFilter(field_name="role_family", choices=RoleFamily.choices)
    level = AnyOfFilter(choices=Level.choices)
    country = MultipleCountryFilter(help_text="ISO 3166-1 alpha-2 country code, e.g. DE (several: any of them)")
    region = AnyOfFilter(
        choices=list(REGION_NAMES.items()), method="filter_region", help_text="A world region: its countries"
    )
    city = django_filters.CharFilter(method="filter_city", help_text="A city's name (Berlin, new-york)")
    remote_policy = AnyOfFilter(choices=RemotePolicy.choices)
    remote = StrictBooleanFilter(method="filter_remote", help_text="true: remote postings only; false: none of them")
    employment_type = AnyOfFilter(choices=EmploymentType.choices)
    company = MultipleCompanyFilter(field_name="company__slug", help_text="Company slug (several: any of them)")
    size = AnyOfFilter(field_name="company__size_band", choices=SizeBand.choices)
    sector = AnyOfFilter(field_name="company__sector", choices=Sector.choices)
    skill = AnyOfFilter(
        choices=SKILL_CHOICES, method="filter_skills", help_text="A skill (salaries.skills); several: all of them"
    )
    posted_since = django_filters.DateFilter(method="filter_posted_since", help_text="Published on or after this day")
    min_annual_usd = django_filters.NumberFilter(
        field_name="salary_max_usd", lookup_expr="gte", help_text="Postings whose annual USD range reaches this amount"
    )
    pay_min = django_filters.NumberFilter(
        method="filter_pay_min",
        help_text="Postings whose range reaches this pay, in `currency` (default USD) a `period` (default YEAR), "
        "compared on annual USD at today's rate (the response's `pay_filter` says which)",
    )
    period = django_filters.ChoiceFilter(choices=PayPeriod.choices, method="filter_nothing", help_text="For pay_min")
    include_undisclosed = StrictBooleanFilter(
        method="filter_undisclosed",
        help_text="false: only postings whose employer states the pay (no estimates, none without pay); "
        "true (the default): all of them",
    )
    pay_kind = AnyOfFilter(
        choices=PayKind.choices, help_text="employer (pay the employer gives), estimate (shown as one) or none"
    )
    q = django_filters.CharFilter(
        method="filter_text",
        help_text="Full-text search over title, skills, company and description (PostgreSQL: stemmed, ranked, "
        '"quoted phrases", -excluded words)',
    )

    ordering = django_filters.ChoiceFilter(
        choices=[(name, name) for name in ORDERING_NAMES], method="filter_nothing",
        help_text="newest (default), pay (highest annual USD midpoint first; postings without a pay figure are "
        "left out of this ordering), relevance (best match; the default "
        "with q) or market (best pay for its market first: the salary context's percentile, refreshed every few "
        "minutes; postings without a published market last)",
    )  # fmt: skip
    facets = FacetsFilter(
        choices=[(name, name) for name in FACET_NAMES], method="filter_nothing",
        help_text=f"Comma-separated: count the matches by each of {', '.join(FACET_NAMES)}",
    )  # fmt: skip

    class Meta:
        model = JobPosting
        fields = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter deep-copies every filter, with its choices, and builds a new form class for each request: a
        # fifth of a list page's time when the page is not kept. A request changes no filter, so each is copied
        # shallowly (it gets its own model and parent) and the form class is built once (get_form_class).
        import copy

        if queryset is None:
            queryset = JobPosting.objects.all()
        self.is_bound = data is not None
        self.data = data or {}
        self.queryset, self.request, self.form_prefix = queryset, request, prefix
        self.filters = {name: copy.copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model, filter_.parent = queryset.model, self
            if filter_.method is not None:
                filter_.method = filter_.method  # binds the copy's own FilterMethod (it finds filter_x on parent)

    def get_form_class(self):
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            form_class = super().get_form_class()
            form_class.base_fields = _SharedFields(form_class.base_fields)
            cls._form_class = form_class
        return cls._form_class

    def filter_queryset(self, queryset):
        if (
            self.form.cleaned_data.get("ordering") == "relevance"
            and not (self.form.cleaned_data.get("q") or "").strip()
        ):
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"ordering": ["relevance needs a search (q)."]}, code="invalid")
        if self.form.cleaned_data.get("ordering") == "pay":
            # Nothing to rank a posting without pay by (and PostgreSQL would put it first): it is left out.
            queryset = queryset.filter(salary_mid_usd__isnull=False)
        return super().filter_queryset(queryset)

    def filter_nothing(self, queryset, name, value):
        return queryset  # read by filter_pay_min

    def filter_region(self, queryset, name, value):
        countries = sorted(set().union(*(COUNTRIES_IN[region] for region in value)))
        return queryset.filter(country__in=countries)

    def filter_city(self, queryset, name, value):
        from rest_framework.exceptions import ValidationError

        slug = slugify(value)
        if not slug:
            raise ValidationError({"city": ["Give a city's name."]}, code="invalid")
        return queryset.filter(city_slug=slug)

    def filter_remote(self, queryset, name, value):
        if value is None:
            return queryset
        remote = {"remote_policy": RemotePolicy.REMOTE}
        return queryset.filter(**remote) if value else queryset.exclude(**remote)

    def filter_skills(self, queryset, name, value):
        for slug in value:
            if connection.vendor == "postgresql":
                queryset = queryset.filter(skills__contains=[slug])  # jsonb @>, one GIN-able containment test
            else:
                queryset = queryset.filter(skills__icontains=f'"{slug}"')
        return queryset

    def filter_undisclosed(self, queryset, name, value):
        return queryset if value in (None, True) else queryset.filter(pay_kind=PayKind.EMPLOYER)

    def filter_posted_since(self, queryset, name, value):
        return queryset.filter(published_at__gte=timezone.make_aware(datetime.combine(value, time.min)))

    def filter_pay_min(self, queryset, name, value):
        floor = pay_floor_of(self.data, value)
        return queryset.filter(salary_max_usd__gte=floor["annual_usd"])

    def filter_text(self, queryset, name, value):
        return postings_matching(queryset, value, ranked=self.data.get("ordering", "") in ("", "relevance"))


def pay_floor_of(params, amount) -> dict:
    """`pay_min` in its currency and period as annual USD at today's rate, with what was used (shown in the
    response so a reader knows the comparison). Errors name the parameter."""
    from rest_framework.exceptions import ValidationError

    from config.errors import DomainError
    from salaries.money import money, rate_on, to_usd

    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        raise ValidationError({"pay_min": ["A number."]}, code="invalid") from None
    if amount < 0 or amount >= Decimal("1e12"):
        raise ValidationError({"pay_min": ["From 0 to under a trillion."]}, code="out_of_range")
    currency = (params.get("currency") or "USD").upper()
    period = params.get("period") or PayPeriod.YEAR
    if period not in PERIODS_PER_YEAR:
        raise ValidationError({"period": [f"One of {', '.join(PERIODS_PER_YEAR)}."]}, code="invalid_choice")
    try:
        rate = rate_on(currency, timezone.now().date())
    except DomainError as error:
        raise ValidationError({"currency": [error.message]}, code=error.code) from error
    annual = amount * PERIODS_PER_YEAR[period]
    return {
        "pay_min": str(money(amount)),
        "currency": currency,
        "period": period,
        "annual": str(money(annual)),
        "annual_usd": money(to_usd(annual, rate)),
        "rate_to_usd": str(rate.rate_to_usd),
        "rate_date": rate.date.isoformat() if rate.date else None,
        "rate_source": rate.source,
        "compared_on": "each posting's annual USD maximum (salary_max_usd), converted when it was saved; an "
        "estimate's range counts as labelled (include_undisclosed=false leaves estimates out)",
    }
