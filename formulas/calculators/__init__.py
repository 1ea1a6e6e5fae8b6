"""Named pure calculators, one per part of the result: each takes the columns it needs (plus the
rulebook, ``as_of`` and ``rules_as_of``) and returns a small frozen result with its columns,
labels and problems. :func:`shoprules.formulas.engine.compute` calls them in order.
"""

from __future__ import annotations

from .aftersale import AfterSale, TimerOutcome, aftersale, aftersale_columns
from .damages import Damages, damages
from .freight import Freight, freight
from .points import Points, points
from .returns import Returns, returns
from .shipping import ShipDeadlines, Shipping, ship_deadlines, shipping

__all__ = [
    "AfterSale",
    "Damages",
    "Freight",
    "Points",
    "Returns",
    "ShipDeadlines",
    "Shipping",
    "TimerOutcome",
    "aftersale",
    "aftersale_columns",
    "damages",
    "freight",
    "points",
    "returns",
    "ship_deadlines",
    "shipping",
]
