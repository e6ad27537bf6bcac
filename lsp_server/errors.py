"""User-facing error types: each carries a message a person can act on, and an optional hint."""

from __future__ import annotations


class UbiqError(Exception):
    """An error the user must see as one clean line (the CLI prints it; the server shows it)."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(UbiqError):
    """A setting has an invalid value."""


class ModelError(UbiqError):
    """The model cannot be found, verified, loaded or run."""

    exit_code = 3


class InputError(UbiqError):
    """The user's input (a file, a position) cannot be used."""


class Cancelled(Exception):
    """A request was superseded or cancelled; not an error the user needs to see."""


class NothingValid(UbiqError):
    """The model answered, but nothing it wrote passed the checks: refused rather than guessed."""

    exit_code = 3
