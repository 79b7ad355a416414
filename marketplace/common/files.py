"""Serving a private file (a licence scan) from an authorised view."""

from django.http import FileResponse

from marketplace.common.errors import NotFound


def private_file_response(
    field_file, *, filename: str, content_type: str
) -> FileResponse:
    """Stream ``field_file`` inline, never cached by a shared cache or sniffed.

    Call only after the view has decided the caller may see the file. A missing
    file is ``NotFound``.
    """
    if not field_file:
        raise NotFound()
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except FileNotFoundError:
        raise NotFound() from None
    response = FileResponse(handle, content_type=content_type, filename=filename)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
