from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path, register_converter
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from config.api import api_index, api_not_found, error_responses
from config.health import healthz
from config.observability import metrics
from config.throttling import LoginAddressThrottle, LoginUserThrottle, throttled_login
from insights.api import (
    ClaimList,
    CompanyMarketReport,
    Leaderboard,
    MarketRangeHistory,
    MarketRangeList,
    OfferEvaluation,
    ReportDetail,
    ReportList,
    SkillPremiums,
    StartupVsBigTech,
)
from insights.views import report_csv_download, report_page
from jobs import api_accounts as accounts
from jobs.api import JobPostingViewSet
from jobs.feeds import JobsAtomFeed, JobsFeed
from jobs.sitemaps import SITEMAPS
from jobs.views import company_page, job_detail, job_list, robots_txt, unsubscribe_page
from salaries.api import (
    BenchmarkList,
    BenchmarkReleaseChanges,
    BenchmarkSourceList,
    LevelList,
    ObservationList,
    SalarySubmissionDetail,
    SalarySubmissionList,
)


class IdConverter:
    """A row id in a path: 1 to 18 digits, so it always fits a 64-bit column (a longer one is a 404, never an
    overflow in the database driver)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")


class ThrottledObtainAuthToken(ObtainAuthToken):
    # DRF's view sets no throttles; tries are counted by user name and by address (config.throttling).
    throttle_classes = [LoginUserThrottle, LoginAddressThrottle]


obtain_auth_token = extend_schema(
    summary="Exchange a user name and password for an API token",
    description="Tries are limited per user name and per address, right or wrong (429 with Retry-After).",
    responses={200: inline_serializer("Token", {"token": serializers.CharField()}), **error_responses(400, 429)},
)(ThrottledObtainAuthToken).as_view()

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False  # /api/v1/ is config.api.api_index: every endpoint, not only the router's
router.register("jobs", JobPostingViewSet, basename="jobs")

api_v1 = [
    path("auth/token/", obtain_auth_token, name="auth-token"),
    path("market-ranges/", MarketRangeList.as_view(), name="market-ranges"),
    path("market-ranges/<str:key>/history/", MarketRangeHistory.as_view(), name="market-range-history"),
    path("benchmarks/", BenchmarkList.as_view(), name="benchmarks"),
    path("levels/", LevelList.as_view(), name="levels"),
    path("salary-observations/", ObservationList.as_view(), name="salary-observations"),
    path("salary-submissions/", SalarySubmissionList.as_view(), name="salary-submissions"),
    path("salary-submissions/<id:pk>/", SalarySubmissionDetail.as_view(), name="salary-submission"),
    path("claims/", ClaimList.as_view(), name="claims"),
    path("offers/evaluate/", OfferEvaluation.as_view(), name="offer-evaluate"),
    path("insights/startup-vs-bigtech/", StartupVsBigTech.as_view(), name="startup-vs-bigtech"),
    path("insights/leaderboard/", Leaderboard.as_view(), name="leaderboard"),
    path("insights/skills/", SkillPremiums.as_view(), name="skill-premiums"),
    path("insights/companies/<slug:slug>/", CompanyMarketReport.as_view(), name="company-market-report"),
    path("reports/", ReportList.as_view(), name="reports"),
    path("reports/<id:pk>/", ReportDetail.as_view(), name="report-detail"),
    path("benchmark-sources/", BenchmarkSourceList.as_view(), name="benchmark-sources"),
    path("benchmark-sources/<slug:slug>/changes/", BenchmarkReleaseChanges.as_view(), name="benchmark-changes"),
    path("accounts/signup/", accounts.SignUp.as_view(), name="signup"),
    path("accounts/me/", accounts.Me.as_view(), name="me"),
    path("companies/", accounts.CompanyList.as_view(), name="companies"),
    path("companies/<slug:slug>/", accounts.CompanyDetail.as_view(), name="company"),
    path("companies/<slug:slug>/verify/", accounts.CompanyVerify.as_view(), name="company-verify"),
    path("companies/<slug:slug>/invitations/", accounts.CompanyInvite.as_view(), name="company-invite"),
    path("companies/<slug:slug>/leave/", accounts.CompanyLeave.as_view(), name="company-leave"),
    path("companies/<slug:slug>/imports/", accounts.CompanyImport.as_view(), name="company-import"),
    path("invitations/accept/", accounts.InvitationAccept.as_view(), name="invitation-accept"),
    path("saved-jobs/", accounts.SavedJobList.as_view(), name="saved-jobs"),
    path("saved-jobs/<id:posting>/", accounts.SavedJobDetail.as_view(), name="saved-job"),
    path("saved-searches/", accounts.SavedSearchList.as_view(), name="saved-searches"),
    path("saved-searches/<id:pk>/", accounts.SavedSearchDetail.as_view(), name="saved-search"),
    path("jobs/<id:pk>/apply/", accounts.ApplyToJob.as_view(), name="job-apply"),
    path("applications/", accounts.ApplicationList.as_view(), name="applications"),
    path("applications/<id:pk>/", accounts.ApplicationDetail.as_view(), name="application"),
    path("applications/<id:pk>/move/", accounts.ApplicationMove.as_view(), name="application-move"),
    path("", api_index, name="api-root"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", job_list, name="home"),
    path("jobs/", job_list, name="job-list"),
    path("jobs/<id:pk>/", job_detail, name="job-page"),
    path("jobs/feed/rss/", JobsFeed(), name="jobs-feed-rss"),
    path("jobs/feed/atom/", JobsAtomFeed(), name="jobs-feed-atom"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap-index",
    ),  # fmt: skip
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path("robots.txt", robots_txt, name="robots-txt"),
    path("companies/<slug:slug>/", company_page, name="company-page"),
    path("alerts/unsubscribe/<str:token>/", unsubscribe_page, name="alerts-unsubscribe"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("admin/login/", throttled_login(admin.site.login), name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "v1"))),
    path("reports/<id:pk>/", report_page, name="report-page"),
    path("reports/<id:pk>.csv", report_csv_download, name="report-csv"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    re_path(r"^api/", api_not_found),  # last: any other path under /api/ answers the JSON error, DEBUG or not
]

handler404 = "config.api.json_not_found"
handler500 = "config.api.json_server_error"
