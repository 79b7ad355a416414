"""Operator API for the platform rules and their change history.

Any operator may read; only administrators change them, with a reason. Each change
is a new version row, so the history shows who, when, why and old and new values.
"""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.backoffice.permissions import ANY_OPERATOR, operator_with
from marketplace.common.errors import ValidationFailed
from marketplace.rules import selectors, services
from marketplace.rules.models import PlatformRules

ADMINS = operator_with()


class OpsRulesIn(serializers.ModelSerializer):
    reason = serializers.CharField(max_length=2000, required=False)

    class Meta:
        model = PlatformRules
        fields = [*PlatformRules.EDITABLE, "reason"]


class OpsRulesOut(serializers.ModelSerializer):
    version = serializers.IntegerField(source="pk", allow_null=True)
    changed_by = serializers.EmailField(source="changed_by.email", default=None)

    class Meta:
        model = PlatformRules
        fields = [
            "version",
            *PlatformRules.EDITABLE,
            "currency",
            "changed_by",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


class OpsRuleChangeOut(serializers.Serializer):
    version = serializers.IntegerField(source="version.pk")
    changed_by = serializers.EmailField(source="version.changed_by.email", default=None)
    created_at = serializers.DateTimeField(source="version.created_at")
    reason = serializers.CharField(source="version.reason")
    changes = serializers.DictField(
        child=serializers.DictField(), help_text="rule: {old, new}"
    )


class RulesApi(APIView):
    """GET the rules in force; PATCH some of them with a ``reason`` (admins)."""

    def get_permissions(self):
        return [ADMINS() if self.request.method == "PATCH" else ANY_OPERATOR()]

    @extend_schema(responses=OpsRulesOut)
    def get(self, request):
        return Response(OpsRulesOut(selectors.get_rules()).data)

    @extend_schema(request=OpsRulesIn, responses=OpsRulesOut)
    def patch(self, request):
        if not isinstance(request.data, dict):
            raise ValidationFailed(
                errors={"non_field_errors": [_("Send an object of rules.")]}
            )
        unknown = sorted(set(request.data) - {*PlatformRules.EDITABLE, "reason"})
        if unknown:
            raise ValidationFailed(
                errors={name: [_("This rule does not exist.")] for name in unknown}
            )
        data = OpsRulesIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        reason = changes.pop("reason", "")
        rules = services.change_rules(
            actor=request.user, changes=changes, reason=reason
        )
        return Response(OpsRulesOut(rules).data)


class RulesHistoryApi(APIView):
    """Every version, newest first: who changed what, when, why, old and new."""

    permission_classes = [ANY_OPERATOR]

    @extend_schema(responses=OpsRuleChangeOut(many=True))
    def get(self, request):
        changes = selectors.list_rule_changes()
        return Response(OpsRuleChangeOut(changes, many=True).data)


urlpatterns = [
    path("rules/", RulesApi.as_view(), name="ops-rules"),
    path("rules/history/", RulesHistoryApi.as_view(), name="ops-rules-history"),
]
