"""The rulebook's errors: one ``RulebookError(ValueError)`` family with the file and key."""

from __future__ import annotations


class RulebookError(ValueError):
    """A rule file or a parameter override cannot be used; ``file`` and ``key`` say where.

    >>> error = RuleFileError("damages.yaml: taobao.x: 未知的键", file="damages.yaml", key="taobao.x")
    >>> isinstance(error, ValueError), error.file, error.key, str(error)
    (True, 'damages.yaml', 'taobao.x', 'damages.yaml: taobao.x: 未知的键')
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.key = key


class RuleFileError(RulebookError):
    """A rule file breaks the schema; the message names the file and the key."""


class RuleKindError(RulebookError):
    """A rule version's parameters are not of the kind its caller needs (a damages rule read as a
    timer, say): a rulebook wired wrongly, named by its rule id."""


class OverrideError(RulebookError):
    """A parameter override (a row of the workbook's ``规则`` sheet) cannot be applied."""
