import django_filters

from config.api import CountryFilter
from jobs.models import EmploymentType, JobPosting, RemotePolicy
from salaries.taxonomy import Level, RoleFamily, Sector, SizeBand


class JobPostingFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(field_name="role_family", choices=RoleFamily.choices)
    level = django_filters.ChoiceFilter(choices=Level.choices)
    country = CountryFilter()
    remote_policy = django_filters.ChoiceFilter(choices=RemotePolicy.choices)
    employment_type = django_filters.ChoiceFilter(choices=EmploymentType.choices)
    company = django_filters.CharFilter(field_name="company__slug", help_text="Company slug")
    size = django_filters.ChoiceFilter(field_name="company__size_band", choices=SizeBand.choices)
    sector = django_filters.ChoiceFilter(field_name="company__sector", choices=Sector.choices)
    min_annual_usd = django_filters.NumberFilter(
        field_name="salary_max_usd", lookup_expr="gte", help_text="Postings whose annual USD range reaches this amount"
    )
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", help_text="Words in the title")

    class Meta:
        model = JobPosting
        fields = []
