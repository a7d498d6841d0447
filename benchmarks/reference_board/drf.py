"""C, the reference: what a typical open-source DRF job board serves. A ModelSerializer over every posting field
with the company nested as a ModelSerializer, PageNumberPagination (20 a page, so a COUNT and an OFFSET), a
ListAPIView and a RetrieveAPIView. It does join the company (`select_related`), as a board that nests it would:
without it every page would cost 20 more queries and the comparison would flatter the project."""

from django.utils import timezone
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination

from jobs.models import Company, JobPosting
from reference_board.bare import FEED_ORDER, visible_postings


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = "__all__"


class JobPostingSerializer(serializers.ModelSerializer):
    company = CompanySerializer(read_only=True)

    class Meta:
        model = JobPosting
        fields = "__all__"


class JobPagination(PageNumberPagination):
    page_size = 20


class JobList(generics.ListAPIView):
    serializer_class = JobPostingSerializer
    pagination_class = JobPagination
    filter_backends = []

    def get_queryset(self):
        return visible_postings(timezone.now()).select_related("company").order_by(*FEED_ORDER)


class JobDetail(generics.RetrieveAPIView):
    serializer_class = JobPostingSerializer
    filter_backends = []

    def get_queryset(self):
        return visible_postings(timezone.now()).select_related("company")
