"""Pages for people: an insight report as HTML (charts drawn when it was built) and as CSV."""

from django.http import Http404, HttpResponse
from django.shortcuts import render

from insights.models import ReportStatus
from insights.reports.tables import report_csv, section_table
from insights.selectors import reports_visible_to

REFRESH_SECONDS = 3  # a report still being built reloads itself (no JavaScript needed)


def _report_or_404(request, pk: int):
    report = reports_visible_to(request.user).filter(pk=pk).first()
    if report is None:
        raise Http404("No such report, or not yours.")
    return report


def report_page(request, pk: int):
    report = _report_or_404(request, pk)
    sections = []
    if report.status == ReportStatus.DONE:
        for section in report.result["sections"]:
            headings, rows = section_table(section) if section["rows"] else ([], [])
            sections.append({**section, "headings": headings, "table": rows,
                             "svg": report.charts.get(section.get("chart") or "")})  # fmt: skip
    context = {
        "report": report,
        "result": report.result,
        "sections": sections,
        "refresh": REFRESH_SECONDS if report.status in (ReportStatus.PENDING, ReportStatus.RUNNING) else None,
    }
    return render(request, "insights/report.html", context)


def report_csv_download(request, pk: int):
    report = _report_or_404(request, pk)
    if report.status != ReportStatus.DONE:
        raise Http404("This report is not built yet.")
    response = HttpResponse(report_csv(report.result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="report-{report.pk}.csv"'
    return response
