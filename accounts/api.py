"""The "who am I" and organisations endpoints (the token endpoint: accounts/api_security.py)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.fields import TextField

from .models import Membership, Organization
from .selectors import organizations_visible_to, own_account


class OrganizationSerializer(serializers.ModelSerializer):
    prefecture = TextField(source="prefecture.code", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Organization
        fields = ["kind", "code", "name", "departement_code", "prefecture"]


class MembershipSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["organization", "role"]


class MeSerializer(serializers.Serializer):
    username = TextField()
    display_name = TextField()
    email = serializers.EmailField()
    language = TextField()
    is_staff = serializers.BooleanField()
    memberships = MembershipSerializer(many=True)


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer, 401: None})
    def get(self, request):
        user = request.user
        memberships = own_account(user=user)
        return Response(
            MeSerializer(
                {
                    "username": user.username,
                    "display_name": user.display_name,
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
