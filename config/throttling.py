"""Request rates, counted in the default cache: Redis when REDIS_URL is set, so every web process and machine
shares one count; the embedded default's single process counts in its own memory.

Scopes (API_THROTTLE_RATES, each "N/period", or None for no limit):
- anon / user: every API request, by address when anonymous, by account when signed in;
- salary_data_anon / salary_data_user: on top, the salary and insight endpoints (market ranges, observations,
  benchmarks, offers, insights, reports), where scraping the whole data set is what a limit must stop;
- login_user / login_address: token logins, by the user name tried and by address, whatever the password, so
  guessing one account's password and spraying many accounts from one address are both slowed.
A refusal is 429 with Retry-After (DRF's throttling), in the API's error format."""

from django.conf import settings
from rest_framework import throttling


class _SettingsRate:
    """Rates read from settings when a request is checked, so tests and deployments can change them."""

    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_SettingsRate, throttling.AnonRateThrottle):
    scope = "anon"


class UserThrottle(_SettingsRate, throttling.UserRateThrottle):
    scope = "user"


class SalaryDataThrottle(_SettingsRate, throttling.SimpleRateThrottle):
    """Applies to views that set `salary_data = True`."""

    scope = "salary_data_anon"

    def allow_request(self, request, view):
        if not getattr(view, "salary_data", False):
            return True
        self.scope = "salary_data_user" if request.user and request.user.is_authenticated else "salary_data_anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LoginUserThrottle(_SettingsRate, throttling.SimpleRateThrottle):
    scope = "login_user"

    def get_cache_key(self, request, view):
        username = str(request.data.get("username", "")).strip().lower()[:150] if hasattr(request, "data") else ""
        return self.cache_format % {"scope": self.scope, "ident": username or self.get_ident(request)}


class LoginAddressThrottle(_SettingsRate, throttling.SimpleRateThrottle):
    scope = "login_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _FormLogin:
    """What the login throttles read from a request (its user name and address), for Django's own login form."""

    def __init__(self, request):
        self.data, self.META = request.POST, request.META


def throttled_login(login_view):
    """Wrap a form login view (the admin's) with the same per-user-name and per-address limits as token logins:
    past them a POST answers 429 with Retry-After, before the password is checked."""
    from django.http import HttpResponse

    def view(request, *args, **kwargs):
        if request.method == "POST":
            for throttle in (LoginUserThrottle(), LoginAddressThrottle()):
                if not throttle.allow_request(_FormLogin(request), None):
                    wait = int(throttle.wait() or 60) + 1
                    return HttpResponse(
                        f"Too many sign-in attempts: try again in {wait} seconds.", status=429,
                        headers={"Retry-After": str(wait)}, content_type="text/plain; charset=utf-8",
                    )  # fmt: skip
        return login_view(request, *args, **kwargs)

    return view
