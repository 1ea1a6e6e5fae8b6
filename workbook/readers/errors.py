"""The readers' one exception: a file or sheet that cannot be read at all."""

from __future__ import annotations

from ..errors import ShoprulesError


class UnusableInput(ShoprulesError, ValueError):
    """The file cannot be read at all (exit code 2); the message says what to do."""
