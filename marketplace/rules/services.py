"""Changing the rules: a new version, validated and attributed."""

from django.core.exceptions import ValidationError
from django.db import transaction

from marketplace.common.db import advisory_xact_lock
from marketplace.common.errors import ValidationFailed
from marketplace.rules.models import PlatformRules
from marketplace.rules.selectors import get_rules


@transaction.atomic
def change_rules(*, actor, changes: dict, reason: str = "") -> PlatformRules:
    """Write a new version with ``changes`` applied to the rules in force.

    Unknown fields are refused. An advisory lock keeps two operators' changes from
    both being based on the same version.
    """
    unknown = set(changes) - set(PlatformRules.EDITABLE)
    if unknown:
        raise ValidationFailed(
            errors={name: ["This rule does not exist."] for name in sorted(unknown)}
        )
    advisory_xact_lock("platform-rules")
    current = get_rules()
    version = PlatformRules(
        **{**current.values(), **changes},
        currency=current.currency,
        changed_by=actor,
        reason=reason,
    )
    try:
        version.full_clean(exclude=["changed_by"])
    except ValidationError as error:
        raise ValidationFailed(errors=error.message_dict) from error
    version.save()
    return version
