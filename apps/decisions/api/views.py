"""Decisions endpoints under ``/api/v1/pocs/{poc_pk}/``: ``criteria/``, ``decision/``,
``decision/request/``, ``decision/sign/`` and ``decision/verify/``.

Order of checks everywhere: the PoC must be visible (else 404), the action allowed (else 403: the
request needs ``manage``, signing ``sign``, held only by the PoC's named decision-maker), and only
then is the body read.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from apps.decisions import selectors, services
from apps.decisions.api import serializers as s
from apps.decisions.verify import chain_problems, verify_decision
from apps.pocs import access
from apps.pocs.api.scoped import PoCScoped


class Criteria(PoCScoped):
    """The six graduation criteria, each met or not, computed from the data."""

    @extend_schema(responses=s.CriterionSerializer(many=True))
    def get(self, request, poc_pk):
        return Response([c.as_dict() for c in selectors.criteria(self.get_poc())])


class DecisionDetail(PoCScoped):
    """The decision: awaited or not (with the hash of what would be frozen now), or signed."""

    @extend_schema(responses=s.DecisionSerializer)
    def get(self, request, poc_pk):
        return Response(selectors.decision_body(self.get_poc()))


class DecisionRequest(PoCScoped):
    """Request the decision: the PoC moves to awaiting decision and the decision-maker is told (400 with
    ``missing`` without a named decision-maker and a due date)."""

    @extend_schema(request=None, responses={200: s.DecisionSerializer, 400: OpenApiResponse(description="Refused")})
    def post(self, request, poc_pk):
        poc = self.get_poc(access.MANAGE)
        row = services.decision_request(poc=poc, user=request.user)
        return Response(selectors.decision_body(row.poc))


class DecisionSign(PoCScoped):
    """Sign the go/no-go (the named decision-maker only): 403 for a wrong password or anyone else; 409 for
    a stale ``snapshot_sha256``, a Go with criteria unmet (named in ``unmet``) or a second signature; 400
    for another outcome or no rationale."""

    @extend_schema(
        request=s.SignSerializer,
        responses={201: s.DecisionSerializer, 400: OpenApiResponse(description="Invalid input"),
                   403: OpenApiResponse(description="Wrong password or not the decision-maker"),
                   409: OpenApiResponse(description="Stale evidence, Go below 6/6, or already signed")},
    )
    def post(self, request, poc_pk):
        poc = self.get_poc(access.SIGN)
        data, _ = self.read_body(s.SignSerializer, request.data)
        services.decision_sign(
            poc=poc, user=request.user, request=request._request, password=data["password"],
            outcome=data["outcome"], rationale=data.get("rationale", ""), conditions=data.get("conditions", ""),
            snapshot_sha256=data["snapshot_sha256"],
        )
        return Response(selectors.decision_body(poc), status=201)


class DecisionVerify(PoCScoped):
    """Recompute the snapshot hash, the signed record and the audit chain: intact, or what differs."""

    @extend_schema(responses=s.VerifySerializer)
    def get(self, request, poc_pk):
        poc = self.get_poc()
        decision = selectors.decision_for(poc)
        if decision is None:
            problems = chain_problems()
            return Response({"intact": not problems, "differences": problems})
        return Response(verify_decision(decision).as_dict())
