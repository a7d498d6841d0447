"""The sitemap of job pages (django.contrib.sitemaps): every visible posting, so an expired or closed one drops
out as soon as the visibility rule stops showing it; Django pages it in files of `limit` URLs under an index."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from jobs.selectors import postings_list


class JobPostingSitemap(Sitemap):
    changefreq = "daily"
    limit = 10_000

    def items(self):
        return postings_list(user=None, scope="public").select_related(None).order_by("id").only("id", "updated_at")

    def location(self, item):
        return reverse("job-page", args=[item.pk])

    def lastmod(self, item):
        return item.updated_at


class PagesSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.8

    def items(self):
        return ["home", "job-list"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"jobs": JobPostingSitemap, "pages": PagesSitemap}
