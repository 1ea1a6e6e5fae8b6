"""Helpers the calculators share: platform masks, problem texts, time columns by event name."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..fields import PLATFORM_CHINESE
from ..rulebook import Rule, RulebookError

NAT: np.datetime64 = np.datetime64("NaT")


def platform_masks(platform: np.ndarray) -> dict[str, np.ndarray]:
    """One boolean mask per known platform code present in ``platform``.

    >>> {k: v.tolist() for k, v in platform_masks(np.array(["tmall", None, "x"], dtype=object)).items()}
    {'tmall': [True, False, False]}
    """
    import pandas as pd

    ids, names = pd.factorize(np.asarray(platform, dtype=object), use_na_sentinel=True)
    return {str(name): ids == i for i, name in enumerate(names) if name in PLATFORM_CHINESE}


def no_problems(n: int) -> np.ndarray:
    """An empty problem column (``""`` = no problem)."""
    return np.full(n, "", dtype=object)


def add_problem(problems: np.ndarray, mask: np.ndarray, message: object) -> None:
    """Append a message (one for all, or one per masked row) to the rows in ``mask``.

    >>> p = no_problems(2); add_problem(p, np.array([True, True]), "a"); add_problem(p, np.array([False, True]), "b")
    >>> p.tolist()
    ['a', 'a；b']
    """
    if not mask.any():
        return
    given = np.asarray(message, dtype=object)
    messages = (
        given
        if given.ndim and len(given) == mask.sum()
        else np.broadcast_to(given, problems.shape)[mask]
    )
    current = problems[mask]
    problems[mask] = np.where(current == "", messages, current + "；" + messages.astype(str))


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
