from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from apps.accounts.models import ApiToken, User
from apps.accounts.services import token_issue, token_revoke


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "title",
            "team",
            "business_unit",
            "org_role",
            "is_staff",
            "time_zone",
            "unread_notifications",
        ]
        read_only_fields = fields
        extra_kwargs = {"unread_notifications": {"help_text": "How many of your notifications are unread"}}


class MeView(APIView):
    """The signed-in user."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class TokenRequestSerializer(serializers.Serializer):
    # Any spelling reaches authenticate(), so a look-alike address counts towards the sign-in throttle
    # of the address it imitates instead of being refused before it is counted.
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenView(APIView):
    """Exchange email and password for an API token (sent as ``Authorization: Token …``).

    Each call issues a new token, valid for ``API_TOKEN_TTL_DAYS`` days; list and revoke yours at
    ``auth/tokens/``. Failed attempts count towards the same sign-in throttle as the login page.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        auth=[],
    )
    def post(self, request):
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = authenticate(
            request._request, email=body.validated_data["email"], password=body.validated_data["password"]
        )
        if user is None or not user.is_active:
            return Response({"detail": "Email or password is wrong."}, status=status.HTTP_400_BAD_REQUEST)
        address = request.META.get("REMOTE_ADDR", "")
        _, key = token_issue(user=user, created_from=f"API sign-in from {address}" if address else "API sign-in")
        return Response({"token": key})


class ApiTokenSerializer(serializers.ModelSerializer):
    """One of your tokens, without its key: ``prefix`` is the key's first characters."""

    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "created", "expires", "last_used", "created_from", "is_expired"]
        read_only_fields = fields

    is_expired = serializers.BooleanField(read_only=True)


class TokenListView(APIView):
    """Your API tokens, newest first (the keys themselves are never shown again)."""

    @extend_schema(responses=ApiTokenSerializer(many=True))
    def get(self, request):
        tokens = ApiToken.objects.filter(user=request.user)
        return Response(ApiTokenSerializer(tokens, many=True).data)


class TokenDetailView(APIView):
    """Revoke one of your tokens (someone else's id answers 404)."""

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        token_revoke(user=request.user, token_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
