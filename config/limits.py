"""What one API request may cost: its body's size and how many values a query parameter may repeat (its JSON's
nesting depth: config.parsers). Each refusal is the API's JSON error naming what is at fault, before any view
runs."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

from config.api import error_body


def _too_large(limit: int) -> JsonResponse:
    return JsonResponse(
        error_body("request_too_large", f"The request body may hold at most {limit:,} bytes.",
                   [{"field": None, "code": "request_too_large", "message": f"At most {limit:,} bytes."}]),
        status=413,
    )  # fmt: skip


class RequestLimitsMiddleware:
    """For API requests: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 (read through Django's own check, so a
    body without a Content-Length is bounded too); a query parameter given more than API_MAX_VALUES_PER_PARAMETER
    times, or more than API_MAX_PARAMETERS parameters, is a 400 naming it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            return _too_large(limit)
        if request.method not in {"GET", "HEAD", "OPTIONS"}:
            try:
                request.body  # noqa: B018 - Django refuses a body over the limit as it reads it
            except RequestDataTooBig:
                return _too_large(limit)
        per_parameter = settings.API_MAX_VALUES_PER_PARAMETER
        crowded = [name for name, values in request.GET.lists() if len(values) > per_parameter]
        if crowded or len(request.GET) > settings.API_MAX_PARAMETERS:
            name = crowded[0] if crowded else None
            message = (
                f"{name}: at most {per_parameter} values." if name
                else f"At most {settings.API_MAX_PARAMETERS} query parameters."
            )  # fmt: skip
            return JsonResponse(
                error_body("validation_error", message,
                           [{"field": name, "code": "too_many_values", "message": message}]),
                status=400,
            )  # fmt: skip
        return self.get_response(request)
