"""The project's URLs, plus B (`/bench/bare/`) and C (`/bench/drf/`), and the stock admin (`/bench/stock-admin/`)."""

from django.urls import path

from config import urls as project_urls
from reference_board import bare, drf, stock_admin

urlpatterns = [
    *project_urls.urlpatterns,
    path("bench/bare/jobs/", bare.job_list),
    path("bench/bare/jobs/<int:posting_id>/", bare.job_detail),
    path("bench/bare/search/", bare.job_search),
    path("bench/drf/jobs/", drf.JobList.as_view()),
    path("bench/drf/jobs/<int:pk>/", drf.JobDetail.as_view()),
    path("bench/stock-admin/", stock_admin.site.urls),
]

handler404 = project_urls.handler404
handler500 = project_urls.handler500
