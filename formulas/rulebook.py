"""The rulebook: dated, sourced rule data loaded strictly from ``rules/*.yaml``. (Being written.)"""

from __future__ import annotations


class Rulebook:
    """All rule versions. ``violation_code(text)`` maps ``延迟发货``/``late_shipment`` to a code."""
