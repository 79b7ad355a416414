"""Reading the rules in force and their history."""

from django.conf import settings

from marketplace.common import cache
from marketplace.rules.models import PlatformRules


def get_rules(*, cached: bool = True) -> PlatformRules:
    """Return the rules in force: the newest version, or the defaults if none yet.

    The newest row is cached (``RULES_CACHE_SECONDS``) under the rules version that
    ``change_rules`` bumps, so a change shows at once. Each call returns its own
    copy. The database is read with ``cached=False`` (for a writer that builds on
    the rules in force) and in a transaction that changed the rules (its change is
    not committed: see ``cache.bumped_here``).
    """

    def newest() -> PlatformRules | None:
        return PlatformRules.objects.order_by("-id").first()

    if cached and not cache.bumped_here(cache.RULES):
        rules = cache.cached(
            cache.RULES, (), newest, timeout=settings.RULES_CACHE_SECONDS
        )
    else:
        rules = newest()
    return rules or PlatformRules()


def list_rule_changes(*, limit: int = 100) -> list[dict]:
    """Return the newest versions first, each with the fields it changed (old, new)."""
    versions = list(
        PlatformRules.objects.select_related("changed_by").order_by("-id")[: limit + 1]
    )
    changes = []
    for newer, older in zip(versions, [*versions[1:], PlatformRules()], strict=False):
        diff = {
            name: {"old": getattr(older, name), "new": getattr(newer, name)}
            for name in PlatformRules.EDITABLE
            if getattr(older, name) != getattr(newer, name)
        }
        changes.append({"version": newer, "changes": diff})
    return changes[:limit]
