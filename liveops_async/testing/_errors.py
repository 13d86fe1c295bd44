"""The Xsolla error body the mock answers with, and the exception handlers raise to send one."""

from __future__ import annotations

import uuid
from typing import Any

# Xsolla prefixes every store error message with the service id 0401.
_SERVICE = "0401"


class MockApiError(Exception):
    """Raised by a handler (or the request pipeline) to answer with an Xsolla error body.

    `error_code` is the body's `errorCode`; `message_code` is the code in the message's
    brackets, which Xsolla sometimes sets differently (404 bodies say 4001 but `[0401-9802]`).
    """

    def __init__(
        self,
        status: int,
        error_code: int,
        message: str,
        *,
        message_code: int | None = None,
        extended: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.message_code: int = error_code if message_code is None else message_code
        self.extended = extended
        self.headers: dict[str, str] = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON error body the mock answers with, as Xsolla's: `statusCode`, `errorCode`,
        `errorMessage`, `transactionId` (fresh per call) and `errorMessageExtended` if set."""
        text = self.message
        if self.message_code:
            text = f"[{_SERVICE}-{self.message_code}]: {self.message}"
        body: dict[str, Any] = {
            "statusCode": self.status,
            "errorCode": self.error_code,
            "errorMessage": text,
            "transactionId": uuid.uuid4().hex,
        }
        if self.extended is not None:
            body["errorMessageExtended"] = self.extended
        return body


def validation_error(message: str, extended: list[Any] | None = None) -> MockApiError:
    return MockApiError(422, 1102, f"Unprocessable Entity. {message}", extended=extended)


def not_found(message: str, message_code: int = 4001, error_code: int = 4001) -> MockApiError:
    return MockApiError(404, error_code, message, message_code=message_code)


def unprocessable(error_code: int, message: str) -> MockApiError:
    return MockApiError(422, error_code, message)


def admin_auth_failed() -> MockApiError:
    return MockApiError(401, 1020, "Error in Authentication method occurred")


def user_auth_failed(reason: str = "Provide authorization") -> MockApiError:
    return MockApiError(401, 1501, f"Authorization failed: {reason}")
