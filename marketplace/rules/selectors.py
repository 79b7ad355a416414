"""Reading the rules in force and their history."""

from marketplace.rules.models import PlatformRules


def get_rules() -> PlatformRules:
    """Return the rules in force: the newest version, or the defaults if none yet."""
    return PlatformRules.objects.order_by("-id").first() or PlatformRules()


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
