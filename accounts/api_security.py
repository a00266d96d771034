"""The token endpoint, personal access tokens (list, issue, revoke) and step-up
re-authentication."""

from django.contrib.auth import authenticate
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.fields import TextField

from .models import PersonalAccessToken
from .policy import mfa_enforced, second_factor_required, second_factor_verified
from .security_services import (
    has_second_factor,
    reauthenticate,
    second_factor_verify,
    token_issue,
    token_revoke,
)
from .step_up import record_reauthentication
from .throttling import SharedScopedRateThrottle

BAD_INPUT = OpenApiResponse(description="Field errors (wrong credentials, missing code…).")
UNAUTHENTICATED = OpenApiResponse(description="No valid token or session.")
NOT_FOUND = OpenApiResponse(description="No such token among yours.")
LOCKED_OUT = OpenApiResponse(
    description='Too many failures for this account or address: `{"code": "locked_out"}`, '
    "or the throttle's rate exceeded."
)
CREDENTIALS_REFUSED = "Unable to log in with provided credentials."


class TokenRequestSerializer(serializers.Serializer):
    username = TextField(max_length=150)
    password = TextField(trim_whitespace=False, max_length=4096)
    otp = TextField(
        required=False,
        allow_blank=True,
        max_length=16,
        help_text="The current code of your authenticator app (or a recovery code); "
        "required when your account has a second factor or its role needs one.",
    )
    name = TextField(
        required=False, max_length=60, help_text="What the token is for (default: API)."
    )
    expires_in_days = serializers.IntegerField(
        required=False, min_value=1, help_text="Default and maximum set by the platform."
    )


class TokenSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = PersonalAccessToken
        fields = [
            "id",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "second_factor",
            "active",
        ]
        read_only_fields = fields


class IssuedTokenSerializer(TokenSerializer):
    token = TextField(read_only=True, help_text="The secret, shown this once.")

    class Meta(TokenSerializer.Meta):
        fields = ["token", *TokenSerializer.Meta.fields]
        read_only_fields = fields


class TokenCreateSerializer(serializers.Serializer):
    name = TextField(max_length=60)
    expires_in_days = serializers.IntegerField(required=False, min_value=1)


def session_verified(request) -> bool:
    """The session passed its second factor (a code, or ProConnect's acr/amr)."""
    return second_factor_verified(request._request)


def _issued(issued) -> dict:
    return {"token": issued.secret, **TokenSerializer(issued.token).data}


class TokenView(APIView):
    """`{"username", "password", "otp"?}` → a new named token that expires. Failures are
    audited by the auth signals; repeated failures lock the account and the address."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [SharedScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        summary="Issue a personal access token (a new one at each call)",
        request=TokenRequestSerializer,
        responses={
            200: IssuedTokenSerializer,
            400: BAD_INPUT,
            403: OpenApiResponse(
                description='`{"code": "second_factor_enrolment_required"}`: the account '
                "needs a second factor and has none yet (enrol on the web first)."
            ),
            429: LOCKED_OUT,
        },
    )
    def post(self, request):
        params = TokenRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        # The plain HttpRequest: django-axes marks it, and its middleware answers 429.
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            return Response(
                {"non_field_errors": [CREDENTIALS_REFUSED]}, status=status.HTTP_400_BAD_REQUEST
            )
        enrolled = mfa_enforced() and has_second_factor(user)
        if mfa_enforced() and second_factor_required(user) and not enrolled:
            return Response(
                {
                    "detail": "This account needs a second factor: enrol on the web first.",
                    "code": "second_factor_enrolment_required",
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        if enrolled:
            code = data.get("otp", "")
            if not code:
                return Response(
                    {"otp": ["This account needs its second-factor code."]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            if second_factor_verify(user=user, code=code) is None:
                return Response(
                    {"otp": ["Invalid or expired code."]}, status=status.HTTP_400_BAD_REQUEST
                )
        issued = token_issue(
            user=user,
            name=data.get("name") or "API",
            days=data.get("expires_in_days"),
            second_factor=enrolled,
            actor=user,
        )
        return Response(_issued(issued), status=status.HTTP_200_OK)


class TokenListView(APIView):
    @extend_schema(
        summary="Your personal access tokens, newest first (never their secrets)",
        responses={200: TokenSerializer(many=True), 401: UNAUTHENTICATED},
    )
    def get(self, request):
        tokens = PersonalAccessToken.objects.filter(user=request.user)
        return Response(TokenSerializer(tokens, many=True).data)

    @extend_schema(
        summary="Issue a token from a signed-in session (a token cannot issue tokens)",
        request=TokenCreateSerializer,
        responses={
            201: IssuedTokenSerializer,
            400: BAD_INPUT,
            401: UNAUTHENTICATED,
            403: OpenApiResponse(
                description='`{"code": "session_required"}`: asked with a token; a token '
                "issuing tokens would outlive its own expiry."
            ),
        },
    )
    def post(self, request):
        if isinstance(request.auth, PersonalAccessToken):
            raise PermissionDenied(
                {"detail": "Tokens are issued from a session.", "code": "session_required"}
            )
        params = TokenCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        issued = token_issue(
            user=request.user,
            name=params.validated_data["name"],
            days=params.validated_data.get("expires_in_days"),
            second_factor=mfa_enforced() and session_verified(request),
            actor=request.user,
        )
        return Response(_issued(issued), status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    @extend_schema(
        summary="Revoke one of your tokens (at once)",
        responses={204: None, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def delete(self, request, token_id: int):
        token = PersonalAccessToken.objects.filter(pk=token_id, user=request.user).first()
        if token is None:
            raise Http404
        token_revoke(token=token, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReauthenticateSerializer(serializers.Serializer):
    password = TextField(required=False, allow_blank=True, trim_whitespace=False, max_length=4096)
    otp = TextField(required=False, allow_blank=True, max_length=16)

    def validate(self, attrs):
        if not attrs.get("password") and not attrs.get("otp"):
            raise serializers.ValidationError("Give your password or a second-factor code.")
        return attrs


class ReauthenticateView(APIView):
    @extend_schema(
        summary="Prove again who you are, before signing, deciding or exporting",
        description="With a token, the token counts as freshly authenticated for the "
        "step-up window; with a session, the session does.",
        request=ReauthenticateSerializer,
        responses={
            200: inline_serializer(
                "Reauthenticated", {"reauthenticated": serializers.BooleanField()}
            ),
            400: BAD_INPUT,
            401: UNAUTHENTICATED,
            429: LOCKED_OUT,
        },
    )
    def post(self, request):
        params = ReauthenticateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        proved = reauthenticate(
            request=request,
            user=request.user,
            password=params.validated_data.get("password", ""),
            code=params.validated_data.get("otp", ""),
        )
        if not proved:
            if not params.validated_data.get("otp") and has_second_factor(request.user):
                message = "This account has a second factor: give its current code (otp)."
                return Response({"otp": [message]}, status=status.HTTP_400_BAD_REQUEST)
            return Response(
                {"non_field_errors": ["Wrong password or code."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        record_reauthentication(request)
        return Response({"reauthenticated": True})
