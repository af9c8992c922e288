"""Exceptions and warnings that ddj raises.

Every user-facing failure is a :class:`DdjError`; its message names the input
(file, URL, parameter, query) and says what to do. Data-quality problems that do
not stop the work are warnings with counts (:class:`DroppedRowsWarning`).
"""

from __future__ import annotations


class DdjError(Exception):
    """Base class of every error ddj raises on purpose."""


class InputError(DdjError, ValueError):
    """A file, folder, URL or table that cannot be read as asked."""


class ParameterError(DdjError, ValueError):
    """A parameter with a value ddj cannot use."""


class SchemaError(DdjError, ValueError):
    """A table that lacks the columns a step needs."""


class ExtractionError(DdjError, ValueError):
    """A page that gives no article record (empty, binary, not HTML)."""


class QuerySyntaxError(DdjError, ValueError):
    """A topic query that does not parse; the message gives the position."""

    def __init__(self, message: str, query: str = "", position: int | None = None):
        super().__init__(message)
        self.query = query
        self.position = position


class DdjWarning(UserWarning):
    """Base class of ddj's warnings."""


class DroppedRowsWarning(DdjWarning):
    """Rows were dropped, skipped or left without a value; the message counts them.

    ``report`` holds one dict per affected item (``source``, ``reason``) when known.
    """

    def __init__(self, message: str, report: list[dict] | None = None):
        super().__init__(message)
        self.report = list(report or [])


class QueryLintWarning(DdjWarning):
    """A topic's query does something its writer may not have meant (``findings``: :class:`ddj.linting.Finding` s)."""

    kind = "note"

    def __init__(self, message: str, findings: list | tuple = ()):
        super().__init__(message)
        self.findings = list(findings)
