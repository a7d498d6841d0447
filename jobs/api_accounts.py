"""The API of people's own accounts: sign-up, the signed-in account, companies employers create and verify,
invitations, saved jobs, saved searches with alerts, and applications. Thin: each view checks its input with
a serializer and calls one service (jobs.onboarding, jobs.alerts, jobs.applications)."""

import tempfile
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses
from config.throttling import LoginAddressThrottle
from jobs import alerts, applications, onboarding
from jobs.imports.service import postings_import_file
from jobs.models import Application, Company, JobPosting, SavedJob, SavedSearch
from jobs.selectors import applications_visible_to, companies_of
from jobs.serializers import (
    AcceptInvitationSerializer,
    AccountSerializer,
    ApplicationInSerializer,
    ApplicationMoveSerializer,
    ApplicationOutSerializer,
    CompanyOutSerializer,
    CompanyWriteSerializer,
    ImportReportSerializer,
    ImportRequestSerializer,
    InvitationSerializer,
    SavedJobSerializer,
    SavedSearchSerializer,
    SignUpSerializer,
)
from jobs.services import user_is_member, user_is_moderator
from salaries.importers.report import ImportFileError

MAX_LISTED = 200  # a person's saved jobs, searches or applications: bounded lists, newest first


def company_out(company: Company, open_postings: int | None = None) -> dict:
    data = {name: getattr(company, name) for name in CompanyOutSerializer().fields if name != "open_postings"}
    if open_postings is not None:
        data["open_postings"] = open_postings
    return data


def _company_or_404(slug: str) -> Company:
    company = Company.objects.filter(slug=slug).first()
    if company is None:
        raise NotFound("No such company.")
    return company


class SignUp(APIView):
    """Create an account (a candidate's; an employer then creates or joins a company) and get its API token."""

    permission_classes = [AllowAny]
    throttle_classes = [LoginAddressThrottle]

    @extend_schema(summary="Sign up", request=SignUpSerializer,
                   responses={201: AccountSerializer, **error_responses(400, 409, 429)})  # fmt: skip
    def post(self, request):
        serializer = SignUpSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = onboarding.account_sign_up(**serializer.validated_data)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({**account_of(user), "token": token.key}, status=201)


def account_of(user) -> dict:
    memberships = user.memberships.select_related("company").order_by("company__name")
    return {
        "username": user.get_username(),
        "email": user.email,
        "is_moderator": user_is_moderator(user),
        "memberships": [{"company": company_out(m.company), "role": m.role} for m in memberships],
    }


class Me(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your account and your companies", responses={200: AccountSerializer, **error_responses(401)}
    )
    def get(self, request):
        return Response(account_of(request.user))


class CompanyList(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Create a company (employers); you become its owner",
        description="Not verified until a moderator verifies it: its postings can be written and submitted, but "
        "none is approved before.",
        request=CompanyWriteSerializer,
        responses={201: CompanyOutSerializer, **error_responses(400, 401)},
    )
    def post(self, request):
        serializer = CompanyWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        company = onboarding.company_onboard(user=request.user, data=serializer.validated_data)
        return Response(company_out(company), status=201)


class CompanyDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="A company and how many open postings it has", responses={200: CompanyOutSerializer,
                   **error_responses(404)})  # fmt: skip
    def get(self, request, slug: str):
        company = _company_or_404(slug)
        count = JobPosting.objects.visible().filter(company=company).count()
        return Response(company_out(company, open_postings=count))


class CompanyVerify(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Verify a company (moderators)", request=None,
                   responses={200: CompanyOutSerializer, **error_responses(401, 403, 404)})  # fmt: skip
    def post(self, request, slug: str):
        return Response(company_out(onboarding.company_verify(company=_company_or_404(slug), moderator=request.user)))


class CompanyInvite(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Invite a colleague by e-mail (members)", request=InvitationSerializer,
                   responses={201: InvitationSerializer, **error_responses(400, 401, 403, 404, 409)})  # fmt: skip
    def post(self, request, slug: str):
        serializer = InvitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = onboarding.member_invite(
            company=_company_or_404(slug), user=request.user, email=serializer.validated_data["email"],
            accept_url=lambda token: request.build_absolute_uri(reverse("v1:invitation-accept")) + f"?token={token}",
        )  # fmt: skip
        return Response({"email": invitation.email}, status=201)


class InvitationAccept(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Accept an invitation (signed in as its addressee)", request=AcceptInvitationSerializer,
                   responses={200: AccountSerializer, **error_responses(400, 401, 403)})  # fmt: skip
    def post(self, request):
        serializer = AcceptInvitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        onboarding.invitation_accept(token=serializer.validated_data["token"], user=request.user)
        return Response(account_of(request.user))


class CompanyLeave(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Leave a company (members)", request=None,
                   responses={200: AccountSerializer, **error_responses(401, 403, 404, 409)})  # fmt: skip
    def post(self, request, slug: str):
        onboarding.member_leave(company=_company_or_404(slug), user=request.user)
        return Response(account_of(request.user))


class CompanyImport(APIView):
    """Import postings from an ATS export as drafts (members): the same importer as `manage.py import_postings`."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Import postings from Greenhouse, Lever or CSV as drafts (members)",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={200: ImportReportSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, slug: str):
        company = _company_or_404(slug)
        if not user_is_member(request.user, company.pk):
            raise PermissionDenied("Only the company's members import its postings.", code="not_a_member")
        serializer = ImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix[:10]) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            try:
                report = postings_import_file(company=company, user=request.user, path=Path(handle.name),
                                              format=data["format"], default_country=data.get("country") or None)  # fmt: skip
            except ImportFileError as error:
                raise ValidationError({"file": [str(error)]}, code="invalid_file") from None
        return Response({
            "format": data["format"], "rows_read": report.rows_read, "imported": report.imported,
            "updated": report.updated, "unchanged": report.unchanged, "incomplete": report.incomplete,
            "rejected": [{"line": e.line, "field": e.field, "reason": e.reason} for e in report.rejected[:1000]],
            "rejected_count": len(report.rejected),
        })  # fmt: skip


# --- Saved jobs and searches -----------------------------------------------------------------------------------


def saved_job_out(saved: SavedJob, now) -> dict:
    posting = saved.posting
    is_open = posting.status == "published" and (posting.expires_at is None or posting.expires_at > now)
    return {"posting": posting.pk, "saved_at": saved.saved_at, "title": posting.title,
            "company": posting.company.name, "is_open": is_open}  # fmt: skip


class SavedJobList(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Your saved jobs", responses={200: SavedJobSerializer(many=True), **error_responses(401)})
    def get(self, request):
        now = timezone.now()
        saved = SavedJob.objects.filter(user=request.user).select_related("posting__company")[:MAX_LISTED]
        return Response([saved_job_out(item, now) for item in saved])

    @extend_schema(summary="Save a job", request=SavedJobSerializer,
                   responses={201: SavedJobSerializer, **error_responses(400, 401, 404)})  # fmt: skip
    def post(self, request):
        serializer = SavedJobSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        posting = (
            JobPosting.objects.visible()
            .select_related("company")
            .filter(pk=serializer.validated_data["posting"])
            .first()
        )
        if posting is None:
            raise ValidationError({"posting": ["No open job with this id."]}, code="not_found")
        saved, _ = SavedJob.objects.get_or_create(user=request.user, posting=posting)
        return Response(saved_job_out(saved, timezone.now()), status=201)


class SavedJobDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Forget a saved job", responses={204: None, **error_responses(401, 404)})
    def delete(self, request, posting: int):
        deleted, _ = SavedJob.objects.filter(user=request.user, posting_id=posting).delete()
        if not deleted:
            raise NotFound("Not among your saved jobs.")
        return Response(status=204)


def saved_search_out(search: SavedSearch) -> dict:
    return {"id": search.pk, "name": search.name, "query": search.query, "alerts": search.alerts,
            "created_at": search.created_at}  # fmt: skip


class SavedSearchList(APIView):
    """Saved searches of the job list. With `alerts` (the default), a beat task mails you each new posting that
    matches, once per posting whatever the number of your searches that match it, with a link to stop."""

    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Your saved searches", responses={200: SavedSearchSerializer(many=True),
                   **error_responses(401)})  # fmt: skip
    def get(self, request):
        return Response([saved_search_out(s) for s in SavedSearch.objects.filter(user=request.user)[:MAX_LISTED]])

    @extend_schema(summary="Save a search", request=SavedSearchSerializer,
                   responses={201: SavedSearchSerializer, **error_responses(400, 401)})  # fmt: skip
    def post(self, request):
        serializer = SavedSearchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        search = alerts.saved_search_create(user=request.user, name=data.get("name", ""), query=data["query"])
        if not data.get("alerts", True):
            search.alerts = False
            search.save(update_fields=["alerts"])
        return Response(saved_search_out(search), status=201)


class SavedSearchDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Delete a saved search", responses={204: None, **error_responses(401, 404)})
    def delete(self, request, pk: int):
        deleted, _ = SavedSearch.objects.filter(user=request.user, pk=pk).delete()
        if not deleted:
            raise NotFound("No such saved search of yours.")
        return Response(status=204)


# --- Applications ----------------------------------------------------------------------------------------------


class ApplyToJob(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Apply to a published job", request=ApplicationInSerializer,
                   responses={201: ApplicationOutSerializer, **error_responses(400, 401, 403, 404, 409)})  # fmt: skip
    def post(self, request, pk: int):
        posting = JobPosting.objects.visible().filter(pk=pk).first()
        if posting is None:
            raise NotFound("No open job with this id.")
        serializer = ApplicationInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = applications.application_submit(posting=posting, candidate=request.user,
                                                      **serializer.validated_data)  # fmt: skip
        return Response(ApplicationOutSerializer(_application(request.user, application.pk)).data, status=201)


def _application(user, pk: int) -> Application:
    application = applications_visible_to(user).filter(pk=pk).first()
    if application is None:
        raise NotFound("No such application, or not yours to see.")
    return application


ROLE = OpenApiParameter("as", str, enum=["candidate", "employer"],
                        description="candidate (default): the applications you sent; employer: those to your "
                        "companies' postings.")  # fmt: skip


class ApplicationList(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Applications you sent, or received as an employer", parameters=[ROLE],
                   responses={200: ApplicationOutSerializer(many=True), **error_responses(400, 401)})  # fmt: skip
    def get(self, request):
        role = request.query_params.get("as", "candidate")
        if role not in ("candidate", "employer"):
            raise ValidationError({"as": ["candidate or employer."]}, code="invalid_choice")
        rows = applications_visible_to(request.user)
        if role == "candidate":
            rows = rows.filter(candidate=request.user)
        else:
            rows = rows.filter(posting__company__in=companies_of(request.user))
        return Response(ApplicationOutSerializer(rows.order_by("-created_at", "-id")[:MAX_LISTED], many=True).data)


class ApplicationDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="One application (its candidate, or the posting's company)",
                   responses={200: ApplicationOutSerializer, **error_responses(401, 404)})  # fmt: skip
    def get(self, request, pk: int):
        return Response(ApplicationOutSerializer(_application(request.user, pk)).data)


class ApplicationMove(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Move an application along (the posting's company)", request=ApplicationMoveSerializer,
                   responses={200: ApplicationOutSerializer, **error_responses(400, 401, 403, 404, 409)})  # fmt: skip
    def post(self, request, pk: int):
        application = _application(request.user, pk)
        serializer = ApplicationMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        applications.application_move(application=application, user=request.user,
                                       status=serializer.validated_data["status"])  # fmt: skip
        return Response(ApplicationOutSerializer(_application(request.user, pk)).data)
