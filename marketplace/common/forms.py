"""What the three faces share about rendering a form field accessibly."""


def field_context(bound_field, attrs: dict) -> dict:
    """Return the template context of one field: its widget, label, help and errors.

    An invalid field gets ``aria-invalid`` and points at its messages with
    ``aria-describedby``; ``attrs`` are extra widget attributes. Each face's ``field``
    inclusion tag renders this with its own ``_field.html``.
    """
    error_id = f"{bound_field.auto_id}-errors"
    help_id = f"{bound_field.auto_id}-help"
    described = [help_id] if bound_field.help_text else []
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
        described.append(error_id)
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return {
        "field": bound_field,
        "widget": bound_field.as_widget(attrs=attrs),
        "error_id": error_id,
        "help_id": help_id,
        "is_checkbox": bound_field.widget_type == "checkbox",
        "is_radio": bound_field.widget_type == "radioselect",
    }
