"""The sandbox's API errors, in the shape a provider's HTTP API sends them."""


class SandboxApiError(Exception):
    """The sandbox refused a request; ``status_code`` as its HTTP answer would be."""

    def __init__(self, status_code: int, code: str, message: str):
        self.status_code = status_code
        self.code = code
        self.message = message
        super().__init__(f"{status_code} {code}: {message}")

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


class SandboxTimeout(Exception):
    """The connection to the sandbox timed out (fault injection): the request may or
    may not have been carried out."""
