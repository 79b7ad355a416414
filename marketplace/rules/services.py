"""Changing the rules: a new version, validated and attributed."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.common import cache
from marketplace.common.db import advisory_xact_lock
from marketplace.common.errors import Forbidden, ValidationFailed
from marketplace.rules.models import PlatformRules
from marketplace.rules.selectors import get_rules

REASON_MAX_LENGTH = 2000


@transaction.atomic
def change_rules(*, actor, changes: dict, reason: str = "") -> PlatformRules:
    """Write a new version with ``changes`` applied to the rules in force.

    Only an administrator (or the system, ``actor=None``) changes the rules, and a
    person must say why. Unknown fields are refused. An advisory lock makes
    concurrent changes apply one after the other, each on the version the other
    wrote, so neither is lost: it reads the rules in force from the database, not
    the cache. Changes that alter nothing return the rules in force without a new
    version. A new version bumps the rules cache, now and on commit
    (common/cache.py), so every ``get_rules`` sees it once it is committed.
    """
    if actor is not None and not actor.has_operator_role():
        raise Forbidden(_("Only an administrator may change the platform rules."))
    unknown = set(changes) - set(PlatformRules.EDITABLE)
    if unknown:
        raise ValidationFailed(
            errors={name: [_("This rule does not exist.")] for name in sorted(unknown)}
        )
    reason = (reason or "").strip()
    if actor is not None and not reason:
        raise ValidationFailed(errors={"reason": [_("Give a reason.")]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed(
            errors={"reason": [_("Keep the reason under 2000 characters.")]}
        )
    advisory_xact_lock("platform-rules")
    current = get_rules(cached=False)
    values = {**current.values(), **changes}
    if current.pk and values == current.values():
        return current
    version = PlatformRules(
        **values,
        currency=current.currency,
        changed_by=actor,
        reason=reason,
    )
    try:
        version.full_clean(exclude=["changed_by"])
    except ValidationError as error:
        raise ValidationFailed(errors=error.message_dict) from error
    version.save()
    cache.bump(cache.RULES)
    return version
