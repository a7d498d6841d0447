"""API plumbing shared by every app: the error format, pagination and JSON 404/500 pages."""

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import OperationalError
from django.http import Http404, JsonResponse
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, pagination, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from config.database import is_statement_timeout
from config.errors import DomainError

NON_FIELD = "non_field_errors"


def _flatten(detail, prefix: str = "") -> list[dict]:
    """Turn DRF's nested error details into a flat list of {field, code, message}."""
    if isinstance(detail, dict):
        if set(detail) == {"message", "code"}:
            return [{"field": prefix or None, "code": str(detail["code"]), "message": str(detail["message"])}]
        items = []
        for key, value in detail.items():
            name = prefix if key == NON_FIELD else (f"{prefix}.{key}" if prefix else str(key))
            items.extend(_flatten(value, name))
        return items
    if isinstance(detail, list):
        items = []
        for index, value in enumerate(detail):
            nested = isinstance(value, dict) and set(value) != {"message", "code"}
            items.extend(_flatten(value, f"{prefix}[{index}]" if nested else prefix))
        return items
    return [{"field": prefix or None, "code": getattr(detail, "code", "invalid"), "message": str(detail)}]


def error_body(code: str, message: str, fields: list[dict] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        field = getattr(exc, "errors", None) or [{"field": exc.field, "code": exc.code, "message": exc.message}]
        # Bad input found by a service reads like bad input found by a serializer.
        code = "validation_error" if exc.status_code == 400 else exc.code
        return JsonResponse(error_body(code, exc.message, field), status=exc.status_code)
    if isinstance(exc, OperationalError) and is_statement_timeout(exc):
        body = error_body("query_timeout", "This request took too long and was stopped; try a narrower one.")
        return JsonResponse(body, status=503, headers={"Retry-After": "5"})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's handler500 answers (as JSON under /api/)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.get_full_details())
        first = fields[0] if fields else {"message": "Invalid input."}
        message = f"{first['field']}: {first['message']}" if first.get("field") else first["message"]
        response.data = error_body("validation_error", message, fields)
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        detail = response.data.get("detail", str(exc)) if isinstance(response.data, dict) else str(exc)
        response.data = error_body(code, str(detail))
    return response


NULL_CHARACTER_MESSAGE = "Null characters are not allowed."


class RejectNullCharactersMiddleware:
    """400 for an API request whose query parameters hold a NUL character, before any view looks them up:
    PostgreSQL text cannot hold one, so a lookup with it would fail with a database error (a 500), and no
    real value needs it. Body fields are checked by their serializer fields (DRF's CharField, and
    SlugRelatedField below)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            fields = [
                {
                    "field": name.replace("\x00", "\\x00"),
                    "code": "null_characters_not_allowed",
                    "message": NULL_CHARACTER_MESSAGE,
                }
                for name, values in request.GET.lists()
                if "\x00" in name or any("\x00" in value for value in values)
            ]
            if fields or "\x00" in request.path:
                body = error_body(
                    "validation_error", f"{fields[0]['field'] if fields else 'path'}: {NULL_CHARACTER_MESSAGE}", fields
                )
                return JsonResponse(body, status=400)
        return self.get_response(request)


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's SlugRelatedField, refusing NUL characters before the lookup (see RejectNullCharactersMiddleware)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            raise serializers.ValidationError(NULL_CHARACTER_MESSAGE, code="null_characters_not_allowed")
        return super().to_internal_value(data)


class Pagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def json_not_found(request, exception=None):
    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    return JsonResponse(error_body("not_found", "No such resource."), status=404)


def json_server_error(request):
    if not request.path.startswith("/api/"):
        return defaults.server_error(request)
    return JsonResponse(error_body("server_error", "Something went wrong on our side."), status=500)


ErrorSerializer = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorBody",
            {
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": inline_serializer(
                    "FieldError",
                    {
                        "field": serializers.CharField(allow_null=True),
                        "code": serializers.CharField(),
                        "message": serializers.CharField(),
                    },
                    many=True,
                ),
            },
        )
    },
)


def error_responses(*statuses: int) -> dict:
    descriptions = {
        400: "Invalid input: `error.fields` names each field at fault with a machine-readable code.",
        401: "Not authenticated.",
        403: "Authenticated but not allowed (for example another company's posting, or not a moderator).",
        404: "No such resource, or not visible to you.",
        409: "The lifecycle forbids this transition in the posting's current status (`invalid_transition`).",
        413: "The request body is over the size limit (`request_too_large`).",
        429: "Too many requests (`throttled`): try again after the `Retry-After` header's seconds.",
    }
    return {status: OpenApiResponse(ErrorSerializer, description=descriptions[status]) for status in statuses}


class StrictBooleanField(forms.Field):
    """true/false (or 1/0): anything else, `null` included, is an error rather than silently no filter."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in {"true", "1"}:
            return True
        if text in {"false", "0"}:
            return False
        raise forms.ValidationError("Use true or false.", code="invalid_boolean")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (a year, a count): 0.5 is an error, not a filter that matches nothing."""

    field_class = forms.IntegerField


class CountryFilter(django_filters.CharFilter):
    """An ISO 3166-1 alpha-2 filter that accepts any case (`de` finds DE)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", "ISO 3166-1 alpha-2 country code, e.g. DE")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, value.upper() if value else value)


def api_not_found(request, path=""):
    """Any unknown path under /api/, with DEBUG on or off: the JSON error, never Django's HTML page. A path that
    exists with a trailing slash is redirected to it, as APPEND_SLASH would have."""
    from django.http import HttpResponsePermanentRedirect
    from django.urls import Resolver404, resolve

    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found and request.method in ("GET", "HEAD"):
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
    return JsonResponse(error_body("not_found", "No such resource."), status=404)


API_INDEX = [
    # (name in the v1 namespace, its parameters as shown), in the order a newcomer reads them.
    ("jobs-list", {}), ("jobs-detail", {"pk": "{id}"}), ("jobs-history", {"pk": "{id}"}), ("market-ranges", {}),
    ("market-range-history", {"key": "{key}"}), ("offer-evaluate", {}), ("startup-vs-bigtech", {}),
    ("skill-premiums", {}), ("leaderboard", {}), ("company-market-report", {"slug": "{slug}"}), ("reports", {}),
    ("report-detail", {"pk": "{id}"}), ("salary-submissions", {}), ("salary-submission", {"pk": "{id}"}),
    ("claims", {}), ("benchmarks", {}), ("benchmark-sources", {}), ("benchmark-changes", {"slug": "{slug}"}),
    ("levels", {}), ("salary-observations", {}), ("auth-token", {}),
]  # fmt: skip


def api_index(request):
    """`/api/v1/`: every endpoint, with placeholders for the parts of a path you fill in, and the docs."""
    from urllib.parse import unquote

    from django.urls import reverse

    placeholders = {"{id}": "0", "{key}": "KEY", "{slug}": "SLUG"}
    endpoints = {}
    for name, parameters in API_INDEX:
        kwargs = {k: placeholders[v] for k, v in parameters.items()}
        url = unquote(request.build_absolute_uri(reverse(f"v1:{name}", kwargs=kwargs)))
        for shown, dummy in placeholders.items():
            url = url.replace(f"/{dummy}/", f"/{shown}/")
        endpoints[name] = url
    docs = {"openapi": request.build_absolute_uri(reverse("schema")),
            "swagger_ui": request.build_absolute_uri(reverse("api-docs")),
            "redoc": request.build_absolute_uri(reverse("api-redoc"))}  # fmt: skip
    return JsonResponse({"endpoints": endpoints, "docs": docs})


class PlainTextField(serializers.CharField):
    """A plain-text field: markup is refused (400 `markup_not_allowed`) rather than stored and echoed, since
    every consumer would have to remember to escape it. HTML belongs in the sanitised description only."""

    def to_internal_value(self, data):
        import re

        value = super().to_internal_value(data)
        if re.search(r"<\s*[a-zA-Z/!?]", value):
            raise serializers.ValidationError("Plain text only: no HTML or other markup.", code="markup_not_allowed")
        return value


class CountryField(serializers.CharField):
    """An ISO 3166-1 alpha-2 country code, any case in, upper case out."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "ISO 3166-1 alpha-2 country code, e.g. DE")
        super().__init__(min_length=2, max_length=2, **kwargs)

    def to_internal_value(self, data):
        import pycountry

        value = super().to_internal_value(data)
        if pycountry.countries.get(alpha_2=value.upper()) is None:
            raise serializers.ValidationError("Not an ISO 3166-1 alpha-2 country code.", code="invalid_country")
        return value.upper()


class CurrencyField(serializers.CharField):
    """An ISO 4217 currency code, any case in, upper case out."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "ISO 4217 currency code, e.g. EUR")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        from salaries.money import currency_is_iso4217

        value = super().to_internal_value(data)
        if not currency_is_iso4217(value):
            raise serializers.ValidationError("Not an ISO 4217 currency code.", code="unknown_currency")
        return value.upper()


def add_limit_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation may answer 429 (config.throttling), and every one
    that takes a body 413 (config.limits)."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            responses.setdefault("429", {"description": error_responses(429)[429].description, "content": error})
            if method in {"post", "put", "patch"}:
                responses.setdefault("413", {"description": error_responses(413)[413].description, "content": error})
    return result
