"""Domain errors: each carries a message fit to show the person who caused it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


class DomainError(Exception):
    """Something the user can fix or should know; `str(error)` is the message to show.

    `after_rollback` holds rows to write once the failed unit of work has rolled back (the
    audit record of a denial, say).
    """

    after_rollback: tuple[object, ...] = ()


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class InvalidInput(DomainError):
    """Input failed validation; nothing was written. Lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))

    @classmethod
    def single(cls, where: str, message: str) -> InvalidInput:
        return cls([Problem(where, message)])

    @classmethod
    def from_validation(cls, error: ValidationError, prefix: str = "") -> InvalidInput:
        return cls(problems_from_validation(error, prefix))


def validated(model: type[ModelT], data: dict[str, Any]) -> ModelT:
    """Input from a user as a model, or `InvalidInput` naming each field that is wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput.from_validation(exc) from None


def problems_from_validation(error: ValidationError, prefix: str = "") -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"])
        where = ".".join(part for part in (prefix, path) if part)
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append(Problem(where, message))
    return problems


class AccessDenied(DomainError):
    """The actor may not do this. The message never says whether the target exists."""

    def __init__(
        self, message: str = "You don't have access to that, or it doesn't exist."
    ) -> None:
        super().__init__(message)


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    """The request clashes with existing data (already enrolled, duplicate attempt...)."""


EXIT_USAGE = 2  # the exit status of a command used wrongly (a bad setting, argument or file)


class CliError(Exception):
    """A failure that stops a command or a server at start, reported in one line; `code` is the
    exit status. Here, not in the command line's own package, because the code that starts a
    server (in handlers/) and the code that opens the database raise it too."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code
