"""Factories per posting state. Postings are made through the services, so their pay is
normalised and their segments marked exactly as in production."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from jobs import services
from jobs.models import Company, CompanyMembership, JobPosting, SizeBand
from salaries.money import PayPeriod
from salaries.taxonomy import Level, RoleFamily, sector_for_industry


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ModeratorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"moderator{n}")

    @factory.post_generation
    def permission(obj, create, extracted, **kwargs):
        if create:
            obj.user_permissions.add(Permission.objects.get(codename="moderate_postings"))


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")
    size_band = SizeBand.MID_SIZE
    headquarters_country = "US"
    industry = "Software"
    is_verified = True  # a moderator verifies a company before approving its postings (jobs.services)
    sector = factory.LazyAttribute(lambda company: sector_for_industry(company.industry))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanyMembership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)


class DraftPostingFactory(factory.Factory):
    class Meta:
        model = dict

    company = factory.SubFactory(CompanyFactory)
    title = "Machine Learning Engineer"
    role_family = RoleFamily.ML_ENGINEER
    level = Level.SENIOR
    country = "US"
    city = "Seattle"
    salary_min = Decimal("150000")
    salary_max = Decimal("190000")
    salary_currency = "USD"
    salary_period = PayPeriod.YEAR
    # Colorado's and Washington's laws ask US postings open to their residents for one (jobs.transparency).
    benefits = "Health insurance and a retirement plan."

    @classmethod
    def _create(cls, model_class, company, **fields) -> JobPosting:
        member = CompanyMembership.objects.filter(company=company).select_related("user").first()
        user = member.user if member else MembershipFactory(company=company).user
        return services.posting_create(company=company, user=user, data=fields)

    @classmethod
    def _build(cls, model_class, **fields):
        return fields


class PendingPostingFactory(DraftPostingFactory):
    @classmethod
    def _create(cls, model_class, company, **fields) -> JobPosting:
        posting = super()._create(model_class, company, **fields)
        return services.posting_submit(
            posting=posting, user=CompanyMembership.objects.filter(company=company).first().user
        )


class PublishedPostingFactory(PendingPostingFactory):
    @classmethod
    def _create(cls, model_class, company, **fields) -> JobPosting:
        posting = super()._create(model_class, company, **fields)
        return services.posting_approve(posting=posting, moderator=ModeratorFactory(username="factory-moderator"))
