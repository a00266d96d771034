"""Token, "who am I" and organisations endpoints."""

from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from audit.services import audit_record

from .models import Membership, Organization
from .selectors import memberships_of, organizations_visible_to


class TokenView(APIView):
    """`{"username", "password"}` → `{"token"}`; failures are audited by the auth signals."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("TokenOut", {"token": serializers.CharField()}),
            400: None,
            429: None,
        },
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        audit_record(actor=user, action="auth.token_issued")
        return Response({"token": token.key}, status=status.HTTP_200_OK)


class OrganizationSerializer(serializers.ModelSerializer):
    prefecture = serializers.CharField(source="prefecture.code", default=None, read_only=True)

    class Meta:
        model = Organization
        fields = ["kind", "code", "name", "departement_code", "prefecture"]


class MembershipSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["organization", "role"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.EmailField()
    language = serializers.CharField()
    is_staff = serializers.BooleanField()
    memberships = MembershipSerializer(many=True)


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer, 401: None})
    def get(self, request):
        user = request.user
        with transaction.atomic():
            memberships = list(memberships_of(user=user))
            audit_record(actor=user, action="account.viewed", details={"via": "api"})
        return Response(
            MeSerializer(
                {
                    "username": user.username,
                    "email": user.email,
                    "language": user.language,
                    "is_staff": user.is_staff,
                    "memberships": memberships,
                }
            ).data
        )


class OrganizationListView(generics.ListAPIView):
    """The user's own organisations and, for a commune, its prefecture."""

    serializer_class = OrganizationSerializer
    filterset_fields = ["kind", "departement_code"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Organization.objects.none()
        return organizations_visible_to(user=self.request.user).select_related("prefecture")
