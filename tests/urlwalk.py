"""Walk the URL configuration, so endpoint matrices are generated, not hand-listed."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    path: str
    name: str | None
    view: object

    @property
    def methods(self) -> list[str]:
        """The HTTP methods the view handles, other than HEAD and OPTIONS."""
        view_class = getattr(self.view, "view_class", None) or getattr(
            self.view, "cls", None
        )
        if view_class is None:
            return ["get"]
        return [
            m
            for m in ("get", "post", "put", "patch", "delete")
            if hasattr(view_class, m)
        ]


def walk(patterns=None, prefix: str = ""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield Route(prefix + str(entry.pattern), entry.name, entry.callback)


def routes_under(prefix: str) -> list[Route]:
    return [route for route in walk() if route.path.startswith(prefix)]
