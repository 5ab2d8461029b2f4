from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from apps.audit.registry import poc_kinds
from apps.audit.selectors import BadFilter, activity_filters, describe, event_for_poc, event_page, events_for_poc
from apps.core.api import WRITE_RESPONSES, ConflictSerializer
from apps.pocs import access, selectors, services
from apps.pocs.api.scoped import PoCScopedMixin
from apps.pocs.api.serializers import (
    ActivityPageSerializer,
    ActivitySerializer,
    MembershipRoleSerializer,
    MembershipSerializer,
    MembershipWriteSerializer,
    NewAttemptSerializer,
    PersonSerializer,
    PoCSerializer,
    TransitionRefusedSerializer,
    TransitionSerializer,
)
from apps.pocs.models import Membership


@extend_schema_view(
    update=extend_schema(responses={200: PoCSerializer, 409: ConflictSerializer}),
    partial_update=extend_schema(responses={200: PoCSerializer, 409: ConflictSerializer}),
)
class PoCViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """PoCs the caller may see. Writes go through the same services as the pages."""

    serializer_class = PoCSerializer

    def get_queryset(self):
        return selectors.pocs_for_user(self.request.user)

    # Writes check the caller's right before reading the body: a read-only person gets 403, not 400.
    action_rights = {"update": access.EDIT, "partial_update": access.EDIT, "transition": access.MANAGE,
                     "new_attempt": access.MANAGE}

    def get_object(self):
        return access.get_poc_for_user(
            self.request.user, self.kwargs["pk"], queryset=self.get_queryset(),
            action=self.action_rights.get(self.action, access.VIEW),
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.poc_create(user=self.request.user, name=data.pop("name", ""), **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)  # the service refuses a missing or stale one
        serializer.instance = services.poc_update(
            poc=serializer.instance, user=self.request.user, changes=data, version=version
        )

    @extend_schema(
        request=TransitionSerializer,
        responses={200: PoCSerializer, 400: TransitionRefusedSerializer},
        description="Move the PoC to another stage. A refusal lists every missing condition.",
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        poc = self.get_object()
        target = request.data.get("to") if hasattr(request.data, "get") else None
        if isinstance(target, str):
            # "Awaiting decision" and "awaiting-decision" name the same stage as "awaiting_decision".
            target = target.strip().lower().replace(" ", "_").replace("-", "_")
        body = TransitionSerializer(data={"to": target})
        body.is_valid(raise_exception=True)
        poc = services.poc_transition(poc=poc, user=request.user, to=body.validated_data["to"])
        return Response(PoCSerializer(poc, context=self.get_serializer_context()).data)

    @extend_schema(
        request=NewAttemptSerializer,
        responses={201: PoCSerializer, 400: WRITE_RESPONSES[400]},
        description="Start a new PoC in draft that follows this decided one (linked by `previous_attempt`); "
        "the decided PoC stays exactly as signed.",
    )
    @action(detail=True, methods=["post"], url_path="new-attempt")
    def new_attempt(self, request, pk=None):
        poc = self.get_object()
        body = NewAttemptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        new = services.poc_new_attempt(poc=poc, user=request.user, name=body.validated_data.get("name", ""))
        return Response(PoCSerializer(new, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)


class MemberViewSet(PoCScopedMixin, viewsets.GenericViewSet):
    """The people on a PoC: named roles (lead, production owner, decision-maker) and members."""

    serializer_class = PersonSerializer
    pagination_class = None
    queryset = Membership.objects.none()

    @extend_schema(responses=PersonSerializer(many=True))
    def list(self, request, poc_pk=None):
        poc = self.get_poc()
        return Response(PersonSerializer(selectors.people_on_poc(poc), many=True).data)

    @extend_schema(request=MembershipWriteSerializer, responses={201: MembershipSerializer})
    def create(self, request, poc_pk=None):
        poc = self.get_poc()
        access.check(poc, request.user, access.MANAGE)
        body = MembershipWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.membership_add(
            poc=poc, user=request.user, member=body.validated_data["user"], role=body.validated_data["role"]
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    def _membership(self, pk):
        poc = self.get_poc(access.MANAGE)  # only partial_update and destroy use this: both need manage
        return get_object_or_404(Membership.objects.select_related("poc"), poc=poc, pk=pk)

    @extend_schema(request=MembershipRoleSerializer, responses={200: MembershipSerializer})
    def partial_update(self, request, poc_pk=None, pk=None):
        membership = self._membership(pk)
        body = MembershipRoleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.membership_update(
            membership=membership, user=request.user, role=body.validated_data["role"]
        )
        return Response(MembershipSerializer(membership).data)

    @extend_schema(responses={204: OpenApiResponse(description="Removed")})
    def destroy(self, request, poc_pk=None, pk=None):
        services.membership_remove(membership=self._membership(pk), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ActivityViewSet(PoCScopedMixin, viewsets.GenericViewSet):
    """Every recorded change to the PoC, newest first.

    The list cuts each old and new value to a preview (flagged ``old_truncated`` /
    ``new_truncated``), read that way from the database; each change's ``url`` gives it whole.
    """

    serializer_class = ActivitySerializer
    pagination_class = None  # keyset pages from the selector: cursors, no count

    def get_queryset(self):
        return events_for_poc(self.get_poc().pk)

    @extend_schema(
        responses=ActivityPageSerializer,
        parameters=[
            OpenApiParameter("before", OpenApiTypes.INT, description="Changes older than this event id (`next`)"),
            OpenApiParameter("after", OpenApiTypes.INT, description="Changes newer than this event id (`previous`)"),
            OpenApiParameter("actor", OpenApiTypes.INT, description="Only the changes this person (a user id) made"),
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                description="Only changes to one kind of row: " + ", ".join(f"`{k}`" for k in poc_kinds()),
            ),
        ],
        description="Newest first, 50 a page. Follow `next` for older changes and `previous` for newer ones; "
        "the pages are cursors on the event id, so there is no `count`.",
    )
    def list(self, request, poc_pk=None):
        poc = self.get_poc()
        try:
            filters = activity_filters(actor=request.query_params.get("actor"), kind=request.query_params.get("kind"))
        except BadFilter as exc:
            raise ValidationError({exc.field: [exc.message]}) from None
        page = event_page(poc.pk, before=request.query_params.get("before"),
                          after=request.query_params.get("after"), **filters)
        url = remove_query_param(remove_query_param(request.build_absolute_uri(), "before"), "after")
        context = self.get_serializer_context()
        return Response({
            "next": replace_query_param(url, "before", page.older) if page.older else None,
            "previous": replace_query_param(url, "after", page.newer) if page.newer else None,
            "results": ActivitySerializer(describe(page.events), many=True, context=context).data,
        })

    @extend_schema(responses=ActivitySerializer, description="One change with its whole old and new values.")
    def retrieve(self, request, poc_pk=None, event_id=None):
        event = event_for_poc(self.get_poc().pk, event_id)
        if event is None:
            raise Http404
        return Response(ActivitySerializer(describe([event])[0], context=self.get_serializer_context()).data)
