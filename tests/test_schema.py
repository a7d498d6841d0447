import pytest

OPERATIONS_WITH_INPUT = {
    ("/api/v1/jobs/", "post"),
    ("/api/v1/jobs/{id}/", "patch"),
    ("/api/v1/jobs/{id}/reject/", "post"),
    ("/api/v1/jobs/{id}/close/", "post"),
    ("/api/v1/auth/token/", "post"),
    ("/api/v1/reports/", "post"),
}


@pytest.mark.django_db
def test_openapi_schema_documents_every_endpoint_with_its_errors(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in [
        "/api/v1/jobs/",
        "/api/v1/jobs/{id}/",
        "/api/v1/jobs/{id}/submit/",
        "/api/v1/jobs/{id}/approve/",
        "/api/v1/jobs/{id}/reject/",
        "/api/v1/jobs/{id}/close/",
        "/api/v1/market-ranges/",
        "/api/v1/auth/token/",
    ]:
        assert path in paths, path
    for path, operations in paths.items():
        for method, operation in operations.items():
            errors = {code for code in operation["responses"] if code.startswith("4")}
            assert errors, f"{method.upper()} {path} documents no error responses"
            if (path, method) in OPERATIONS_WITH_INPUT:
                assert "400" in errors, f"{method.upper()} {path} takes input but documents no 400"
    assert "Error" in schema["components"]["schemas"]


@pytest.mark.django_db
def test_interactive_docs_are_served(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def _strict(node):
    """OpenAPI 3.0 schema → JSON Schema: `nullable` as a null alternative, boolean exclusive bounds as numbers, and
    objects closed to undocumented
    properties, so a response field the schema does not describe fails validation."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _strict(value) for key, value in node.items()}
    for bound, exclusive in (("maximum", "exclusiveMaximum"), ("minimum", "exclusiveMinimum")):
        if node.get(exclusive) is True:  # OpenAPI 3.0's boolean form
            node[exclusive] = node.pop(bound)
    if node.get("type") == "object" and "properties" in node:
        node.setdefault("additionalProperties", False)
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def response_schema(schema: dict, path: str, method: str = "get") -> dict:
    body = schema["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    return {**_strict(body), "components": _strict(schema["components"])}


@pytest.mark.django_db
def test_real_responses_match_their_documented_shape(api, as_user, employer, company, moderator, tmp_path):
    """Every nested object of the jobs, market-range, history and claims responses is documented: real
    responses validate against the OpenAPI schema with undocumented properties forbidden."""
    import jsonschema
    from django.test import TestCase

    from insights.services import market_ranges_rebuild, market_ranges_snapshot
    from salaries.services.benchmarks import benchmarks_load_seed_articles
    from tests.factories import CompanyFactory, PublishedPostingFactory

    benchmarks_load_seed_articles()
    with TestCase.captureOnCommitCallbacks(execute=True):
        for n in range(25):
            PublishedPostingFactory(
                company=company if n == 0 else CompanyFactory(size_band=["startup", "large"][n % 2]),
                salary_currency=["USD", "EUR"][n % 2], salary_min=100_000 + 2_000 * n, salary_max=130_000 + 2_000 * n,
                bonus_target_pct=10 if n % 3 == 0 else None,
            )  # fmt: skip
        # The other pay kinds: an estimate and no pay at all (published where no law asks for pay).
        london = {"country": "GB", "city": "London", "benefits": ""}
        PublishedPostingFactory(company=CompanyFactory(), pay_kind="estimate", pay_source="Example Jobs",
                                salary_currency="GBP", **london)  # fmt: skip
        PublishedPostingFactory(company=CompanyFactory(), pay_kind="none", salary_min=None, salary_max=None,
                                salary_currency="", **london)  # fmt: skip
    market_ranges_rebuild()
    market_ranges_snapshot()
    with TestCase.captureOnCommitCallbacks(execute=True):
        asked = as_user(employer).post(
            "/api/v1/reports/", {"kind": "market_overview", "parameters": {"role": "ml_engineer"}}, format="json"
        )
    assert asked.status_code == 202, asked.content
    report_id = asked.json()["id"]
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    key = "ml_engineer:senior:country:US:any:any:12m"
    cases = [
        (api, "/api/v1/jobs/", "/api/v1/jobs/?currency=GBP&page_size=100"),
        (as_user(employer), "/api/v1/jobs/", "/api/v1/jobs/?scope=mine"),
        (as_user(employer), "/api/v1/jobs/{id}/", f"/api/v1/jobs/{company.postings.get().pk}/"),
        (api, "/api/v1/market-ranges/", "/api/v1/market-ranges/?role=ml_engineer&page_size=100"),
        (as_user(moderator), "/api/v1/market-ranges/", "/api/v1/market-ranges/?level=junior"),
        (api, "/api/v1/market-ranges/{key}/history/", f"/api/v1/market-ranges/{key}/history/"),
        (api, "/api/v1/claims/", "/api/v1/claims/"),
        (as_user(employer), "/api/v1/reports/", "/api/v1/reports/"),
        (as_user(employer), "/api/v1/reports/{id}/", f"/api/v1/reports/{report_id}/"),
    ]
    for client, path, url in cases:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        jsonschema.validate(response.json(), response_schema(schema, path))
    assert api.get(f"/api/v1/market-ranges/{key}/history/").json()["history"]  # not vacuous
    kinds = {job["pay_kind"] for job in api.get("/api/v1/jobs/?page_size=100").json()["results"]}
    assert kinds == {"employer", "estimate", "none"}  # every pay kind was validated above
    # And the check has teeth: a nested field the schema does not document fails it.
    body = api.get("/api/v1/jobs/?pay_kind=employer").json()
    body["results"][0]["salary_context"]["position"]["undocumented"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, response_schema(schema, "/api/v1/jobs/"))
