import pytest

OPERATIONS_WITH_INPUT = {
    ("/api/v1/jobs/", "post"),
    ("/api/v1/jobs/{id}/", "patch"),
    ("/api/v1/jobs/{id}/reject/", "post"),
    ("/api/v1/jobs/{id}/close/", "post"),
    ("/api/v1/auth/token/", "post"),
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
