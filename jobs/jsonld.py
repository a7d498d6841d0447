"""A posting as schema.org `JobPosting` JSON-LD, the form search engines read (embedded in each job page and
served at /api/v1/jobs/{id}/jsonld/).

Fields follow Google's job-posting structured data: the required title, description, datePosted,
hiringOrganization and jobLocation (or jobLocationType TELECOMMUTE with applicantLocationRequirements for remote
postings), and the recommended validThrough, employmentType, identifier and baseSalary. `baseSalary` is the
employer's own posted range, in its currency and period, and nothing else: never a market figure or an estimate.
"""

from django.urls import reverse

from jobs.models import EmploymentType, PayKind, RemotePolicy

EMPLOYMENT_TYPES = {
    EmploymentType.FULL_TIME: "FULL_TIME",
    EmploymentType.PART_TIME: "PART_TIME",
    EmploymentType.CONTRACT: "CONTRACTOR",
    EmploymentType.INTERNSHIP: "INTERN",
    EmploymentType.TEMPORARY: "TEMPORARY",
}


def posting_jsonld(posting, *, company, base_url: str = "") -> dict:
    """The JobPosting object of one visible posting (`base_url`: the site's scheme and host, for its links)."""
    data = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": posting.title,
        "description": posting.description or posting.title,  # sanitised HTML (nh3) when the employer gave one
        "datePosted": posting.published_at.date().isoformat() if posting.published_at else None,
        "employmentType": EMPLOYMENT_TYPES.get(posting.employment_type, "OTHER"),
        "hiringOrganization": {"@type": "Organization", "name": company.name},
        "identifier": {"@type": "PropertyValue", "name": company.name, "value": str(posting.pk)},
        "url": f"{base_url}{reverse('job-page', args=[posting.pk])}",
    }
    if company.website:
        data["hiringOrganization"]["sameAs"] = company.website
    if posting.expires_at:
        data["validThrough"] = posting.expires_at.isoformat()
    address = {"@type": "PostalAddress", "addressCountry": posting.country}
    if posting.city:
        address["addressLocality"] = posting.city
    if posting.subdivision:
        address["addressRegion"] = posting.subdivision
    if posting.remote_policy == RemotePolicy.REMOTE:
        data["jobLocationType"] = "TELECOMMUTE"
        data["applicantLocationRequirements"] = {"@type": "Country", "name": posting.country}
    else:
        data["jobLocation"] = {"@type": "Place", "address": address}
    if _employer_provided_pay(posting):
        value = {"@type": "QuantitativeValue", "unitText": posting.salary_period}
        if posting.salary_min == posting.salary_max:
            value["value"] = float(posting.salary_min)
        else:
            value["minValue"], value["maxValue"] = float(posting.salary_min), float(posting.salary_max)
        data["baseSalary"] = {"@type": "MonetaryAmount", "currency": posting.salary_currency, "value": value}
    return {key: value for key, value in data.items() if value is not None}


def _employer_provided_pay(posting) -> bool:
    """Only the employer's own pay: never an estimate (nor a market figure) dressed as the offer."""
    return posting.pay_kind == PayKind.EMPLOYER and posting.salary_min is not None and posting.salary_max is not None
