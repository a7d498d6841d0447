from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from config.api import error_responses
from config.conditional import conditional, posting_validators
from config.errors import DomainError
from config.pagination import KeysetPagination, paginated_schema
from insights.selectors import context_keys_of
from jobs import services
from jobs.filters import JobPostingFilter, pay_floor_of
from jobs.jsonld import posting_jsonld
from jobs.selectors import (
    LIST_ORDERINGS,
    companies_of,
    posting_audit_trail,
    posting_head,
    postings_facets,
    postings_list,
    postings_visible_to,
    public_ordering,
)
from jobs.serializers import (
    AuditEventSerializer,
    CloseSerializer,
    FacetValueSerializer,
    JobPostingSerializer,
    PayFilterSerializer,
    PostingWriteSerializer,
    RejectSerializer,
    postings_represented,
)
from salaries.money import rate_on

CURRENCY = OpenApiParameter(
    "currency", str, description="ISO 4217 code: also give annual pay and market figures in this currency."
)
SCOPE = OpenApiParameter(
    "scope",
    str,
    enum=["public", "mine", "review"],
    description="public (default): published, visible postings. mine: your companies' postings in any state. "
    "review: the moderation queue (moderators only).",
)
PAGING = [
    OpenApiParameter("cursor", str, description="From `next` or `previous` of another page."),
    OpenApiParameter("page_size", int, description="1 to 100; default 20."),
    OpenApiParameter("count", bool, description="true: also count the matches, up to 10,000 (bounded)."),
]


JOB_PAGE = paginated_schema(
    JobPostingSerializer,
    extra={
        "pay_filter": PayFilterSerializer(required=False, help_text="With pay_min: how it was compared."),
        "facets": serializers.DictField(
            child=FacetValueSerializer(many=True),
            required=False,
            help_text="With facets=: for each facet asked, its most common values among the matches and their counts.",
        ),  # fmt: skip
    },
)


@extend_schema_view(
    list=extend_schema(
        summary="List job postings with their salary context",
        description="Newest first (public), keyset-paged: follow `next`/`previous` (also in the `Link` header). "
        "Public pages carry `ETag` and `Last-Modified` and answer conditional requests with 304.",
        parameters=[SCOPE, CURRENCY, *PAGING],
        responses={200: JOB_PAGE, **error_responses(400, 404)},
    ),
    retrieve=extend_schema(
        summary="One job posting with its salary context",
        parameters=[CURRENCY],
        responses={200: JobPostingSerializer, **error_responses(404)},
    ),
    create=extend_schema(
        summary="Create a draft posting (employers)",
        request=PostingWriteSerializer,
        responses={201: JobPostingSerializer, **error_responses(400, 401, 403)},
    ),
    partial_update=extend_schema(
        summary="Edit a posting (employers); edits to a published posting go live at once",
        request=PostingWriteSerializer,
        responses={200: JobPostingSerializer, **error_responses(400, 401, 403, 404, 409)},
    ),
)
class JobPostingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = JobPostingSerializer
    filterset_class = JobPostingFilter
    pagination_class = None  # keyset pages (config.pagination), built in `list`
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.action in ("list", "retrieve", "jsonld"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def _scope(self) -> str:
        scope = self.request.query_params.get("scope", "public")
        if scope not in LIST_ORDERINGS:
            raise ValidationError({"scope": ["Must be one of public, mine, review."]}, code="invalid_choice")
        return scope

    def get_queryset(self):
        if self.action == "list":
            return postings_list(user=self.request.user, scope=self._scope())
        return postings_visible_to(user=self.request.user)

    def _requested_rate(self):
        """The rate for `?currency=`, if asked: pay and market figures are then also given in it."""
        code = self.request.query_params.get("currency")
        if not code:
            return None
        try:
            return rate_on(code, timezone.now().date())
        except DomainError as error:
            raise ValidationError({"currency": [error.message]}, code=error.code) from error

    def _represent(self, postings: list, *, private, peers: bool) -> list[dict]:
        return postings_represented(postings, requested=self._requested_rate(), private=private, peers=peers)

    def _sees_private(self, posting) -> bool:
        user = self.request.user
        return services.user_is_moderator(user) or services.user_is_member(user, posting.company_id)

    def _render(self, posting, *, status_code=status.HTTP_200_OK):
        return Response(self._represent([posting], private=self._sees_private, peers=True)[0], status=status_code)

    def list(self, request, *args, **kwargs):
        scope = self._scope()

        def build():
            params = request.query_params
            postings = self.filter_queryset(self.get_queryset())
            if scope == "public":
                ordering = public_ordering(
                    requested=params.get("ordering"), searching=bool(params.get("q", "").strip())
                )
            else:
                ordering = LIST_ORDERINGS[scope]
            paginator = KeysetPagination(ordering)
            page = paginator.paginate(postings, request)
            # A list shows each posting against its market; the comparison with peers is the detail page's.
            represented = self._represent(page, private=lambda posting: scope != "public", peers=False)
            body, headers = paginator.page(represented)
            extra = {}
            if params.get("pay_min") not in (None, ""):
                extra["pay_filter"] = {**pay_floor_of(params, params["pay_min"])}
                extra["pay_filter"]["annual_usd"] = str(extra["pay_filter"]["annual_usd"])
            if params.get("facets"):
                extra["facets"] = postings_facets(postings, list(dict.fromkeys(params["facets"].split(","))))
            return {**{k: v for k, v in body.items() if k != "results"}, **extra, "results": body["results"]}, headers

        if scope != "public":
            body, headers = build()
            return Response(body, headers=headers)
        return conditional(request, variant=f"list|{request.get_host()}{request.get_full_path()}", build=build)

    def filter_queryset(self, queryset):
        # The list's filters; a posting is looked up by its id alone.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def retrieve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            # The public page of a posting depends on the posting, its company, the ranges its context reads and
            # the rates: validators of those alone, so unrelated changes (other postings expiring every few
            # seconds at a million) leave the kept page in place.
            head = posting_head(pk=kwargs["pk"]) if str(kwargs["pk"]).isdigit() else None
            if head is None:
                raise NotFound()
            keys = context_keys_of(
                role_family=head["role_family"], level=head["level"], country=head["country"],
                size_band=head["company__size_band"], sector=head["company__sector"],
            )  # fmt: skip
            return conditional(
                request, variant=f"detail|{request.get_host()}{request.get_full_path()}|public",
                validators=posting_validators(head, keys),
                build=lambda: (self._represent([self.get_object()], private=lambda _: False, peers=True)[0], {}),
            )  # fmt: skip
        posting = self.get_object()
        private = self._sees_private(posting)
        viewer = f"user {request.user.pk}" if private else "public"
        return conditional(
            request, variant=f"detail|{request.get_host()}{request.get_full_path()}|{viewer}",
            build=lambda: (self._represent([posting], private=lambda _: private, peers=True)[0], {}),
        )  # fmt: skip

    def create(self, request, *args, **kwargs):
        serializer = PostingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        company = data.pop("company", None)
        if company is None:
            mine = list(companies_of(request.user)[:2])
            if len(mine) != 1:
                code, message = (
                    ("required", "Say which company this posting is for.")
                    if mine
                    else (
                        "not_a_member",
                        "You do not belong to any company.",
                    )
                )
                raise ValidationError({"company": [message]}, code=code)
            company = mine[0]
        reason = data.pop("expiry_reason", "")
        posting = services.posting_create(company=company, user=request.user, data=data, expiry_reason=reason)
        return self._render(
            postings_visible_to(user=request.user).get(pk=posting.pk), status_code=status.HTTP_201_CREATED
        )

    def partial_update(self, request, *args, **kwargs):
        posting = self.get_object()
        serializer = PostingWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "company" in data:
            raise ValidationError({"company": ["A posting cannot move to another company."]}, code="read_only")
        reason = data.pop("expiry_reason", "")
        posting = services.posting_update(posting=posting, user=request.user, data=data, expiry_reason=reason)
        return self._render(self.get_queryset().get(pk=posting.pk))

    @extend_schema(
        summary="Submit a draft for review",
        request=None,
        responses={200: JobPostingSerializer, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        posting = services.posting_submit(posting=self.get_object(), user=request.user)
        return self._render(self.get_queryset().get(pk=posting.pk))

    @extend_schema(
        summary="Close a posting, or mark it filled",
        request=CloseSerializer,
        responses={200: JobPostingSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        serializer = CloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        filled = serializer.validated_data["outcome"] == "filled"
        posting = services.posting_close(posting=self.get_object(), user=request.user, filled=filled)
        return self._render(self.get_queryset().get(pk=posting.pk))

    @extend_schema(
        summary="Reopen a closed or expired posting as a draft",
        request=None,
        responses={200: JobPostingSerializer, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        posting = services.posting_reopen(posting=self.get_object(), user=request.user)
        return self._render(self.get_queryset().get(pk=posting.pk))

    @extend_schema(
        summary="Approve and publish (moderators)",
        request=None,
        responses={200: JobPostingSerializer, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        posting = services.posting_approve(posting=self.get_object(), moderator=request.user)
        return self._render(self.get_queryset().get(pk=posting.pk))

    @extend_schema(
        summary="Reject with a reason (moderators)",
        request=RejectSerializer,
        responses={200: JobPostingSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        posting = services.posting_reject(
            posting=self.get_object(), moderator=request.user, reason=serializer.validated_data["reason"]
        )
        return self._render(self.get_queryset().get(pk=posting.pk))

    @extend_schema(
        summary="A published posting as schema.org JobPosting JSON-LD",
        description="What its page embeds for search engines: Google's required and recommended fields, and "
        "baseSalary from the employer's posted pay only (never a market figure or an estimate).",
        responses={
            (200, "application/ld+json"): inline_serializer("JobPostingJsonLd", {"@type": serializers.CharField()}),
            **error_responses(404),
        },
    )
    @action(detail=True, methods=["get"], url_path="jsonld")
    def jsonld(self, request, pk=None):
        posting = postings_list(user=None, scope="public").filter(pk=pk).first() if str(pk).isdigit() else None
        if posting is None:
            raise NotFound("No such published posting.")
        base_url = request.build_absolute_uri("/")[:-1]
        return Response(
            posting_jsonld(posting, company=posting.company, base_url=base_url), content_type="application/ld+json"
        )

    @extend_schema(
        summary="The posting's audit trail (its company's members and moderators)",
        description="Every change to the posting, newest first: what, when, through which entry point, the before "
        "and after of the fields that matter, and who. A moderator is named to employers only as a moderator "
        "(`actor` null, `actor_role` moderator).",
        responses={200: AuditEventSerializer(many=True), **error_responses(401, 403, 404)},
    )
    @action(detail=True, methods=["get"], url_path="history")
    def history(self, request, pk=None):
        posting = self.get_object()
        if not (services.user_is_moderator(request.user) or services.user_is_member(request.user, posting.company_id)):
            raise PermissionDenied("Only the posting's company and moderators read its history.", code="not_a_member")
        return Response(AuditEventSerializer(posting_audit_trail(posting=posting), many=True).data)
