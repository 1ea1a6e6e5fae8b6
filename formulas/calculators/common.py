"""Helpers the calculators share: platform masks, problem texts, time columns by event name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..fields import PLATFORM_CHINESE
from ..rulebook import Rule, RulebookError

NAT: np.datetime64 = np.datetime64("NaT")


@dataclass(frozen=True)
class Platforms:
    """A platform column with one boolean mask per known platform code, made once per run.

    >>> {k: v.tolist() for k, v in Platforms.of(np.array(["tmall", None, "x"], dtype=object)).masks.items()}
    {'tmall': [True, False, False]}
    """

    codes: np.ndarray
    masks: Mapping[str, np.ndarray]

    @classmethod
    def of(cls, platform: Platforms | np.ndarray) -> Platforms:
        if isinstance(platform, Platforms):
            return platform
        codes = np.asarray(platform, dtype=object)
        ids, names = pd.factorize(codes, use_na_sentinel=True)
        masks = {str(name): ids == i for i, name in enumerate(names) if name in PLATFORM_CHINESE}
        return cls(codes, masks)

    @property
    def known(self) -> np.ndarray:
        """Rows whose platform is a known code."""
        out = np.zeros(len(self.codes), dtype=bool)
        for mask in self.masks.values():
            out |= mask
        return out


def empty_text(n: int) -> np.ndarray:
    """``n`` empty strings (an object column; quicker to fill than ``np.full``)."""
    out = np.empty(n, dtype=object)
    out.fill("")
    return out


def no_problems(n: int) -> np.ndarray:
    """An empty problem column (``""`` = no problem)."""
    return empty_text(n)


def add_problem(problems: np.ndarray, mask: np.ndarray, message: object) -> None:
    """Append a message (one for all, or one per masked row) to the rows in ``mask``.

    >>> p = no_problems(2); add_problem(p, np.array([True, True]), "a"); add_problem(p, np.array([False, True]), "b")
    >>> p.tolist()
    ['a', 'a；b']
    """
    idx = np.flatnonzero(mask)
    if not len(idx):
        return
    given = np.asarray(message, dtype=object)
    per_row = bool(given.ndim) and len(given) == len(idx)
    current = problems[idx]
    has = current != ""
    # Rows without a problem yet take the message as is (no string work for them).
    problems[idx[~has]] = (
        given[~has] if per_row else given.item() if not given.ndim else given[idx[~has]]
    )
    if has.any():
        messages = given[has] if per_row else np.broadcast_to(given, problems.shape)[idx[has]]
        problems[idx[has]] = current[has] + "；" + messages.astype(str)


def at(idx: np.ndarray, n: int, mask: np.ndarray) -> np.ndarray:
    """A length-``n`` mask that is True at ``idx[mask]``."""
    out = np.zeros(n, dtype=bool)
    out[idx[mask]] = True
    return out


def event(events: Mapping[str, np.ndarray], name: str | None, rule: Rule) -> np.ndarray:
    """The time column a rule names (its ``start``, ``stop`` or ``governed_by`` event)."""
    if name is None or name not in events:
        raise RulebookError(
            f"规则 {rule.rule_id} 引用的时间 {name!r} 在此计算中没有对应的列", key=rule.rule_id
        )
    return events[name]


def round_hours(hours: np.ndarray) -> np.ndarray:
    """Hours to one decimal, half up."""
    return np.floor(np.round(hours * 10, 6) + 0.5) / 10
