"""Rules as dated data: versions, rules, point-node tracks and the rulebook, and the one version
lookup every calculator uses (:meth:`Dated.select`: :func:`governing_times` then
:func:`version_index`).

>>> since = np.array(["2016-07-21", "2022-07-18"], dtype="datetime64[ns]")
>>> times = np.array(["2017-05-01", "2023-01-01", "2010-01-01", "NaT"], dtype="datetime64[ns]")
>>> version_index(since, times).tolist()
[0, 1, -1, -1]
>>> version_index(since, governing_times(times, pd.Timestamp("2022-07-18"))).tolist()
[1, 1, 1, 1]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from .params import (
    CampaignParams,
    DamagesParams,
    FreightParams,
    NodeParams,
    Params,
    TimerParams,
    ViolationParams,
)

if TYPE_CHECKING:
    from .overrides import AppliedOverride

NO_RULE: Final = "无适用规则"


def governing_times(times: np.ndarray, rules_as_of: object = None) -> np.ndarray:
    """The times that choose each row's version: the rows' own, or one pinned instant for all.

    ``rules_as_of`` (the ``--rules-as-of`` option) pins every row, including rows without a
    time of their own, to the versions in force at that instant.
    """
    times = np.asarray(times, dtype="datetime64[ns]")
    if rules_as_of is None:
        return times
    return np.full(len(times), pd.Timestamp(rules_as_of).to_datetime64(), dtype="datetime64[ns]")


def version_index(since: np.ndarray, governing: np.ndarray) -> np.ndarray:
    """Index of the version in force at each governing time (``searchsorted`` on the effective
    dates); -1 before the first version or for ``NaT``."""
    governing = np.asarray(governing, dtype="datetime64[ns]")
    index = np.searchsorted(since, governing, side="right") - 1
    index[np.isnat(governing)] = -1
    return index


def since_array(versions: Sequence[Version]) -> np.ndarray:
    """The effective dates of dated versions as ``datetime64[ns]``."""
    return np.array([v.since.to_datetime64() for v in versions], dtype="datetime64[ns]")


@dataclass(frozen=True)
class Version:
    """One dated version of a rule: its typed parameters and where they come from."""

    rule_id: str
    since: pd.Timestamp
    params: Params
    source: str
    confidence: str
    note: str | None = None
    overridden: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``taobao.late_shipment@2022-07-18`` (``*`` marks overridden parameters)."""
        mark = "*" if self.overridden else ""
        return f"{self.rule_id}@{self.since:%Y-%m-%d}{mark}"

    def describe(self) -> str:
        """The parameters in one line of Chinese (see the ``describe()`` of each kind)."""
        return self.params.describe()


@dataclass(frozen=True)
class RuleMeta:
    """Rule-level settings: ``violation`` (damages, violations); ``governed_by`` (damages: the
    time column that chooses the version); ``start`` / ``override`` / ``outcome`` (timers: the
    event the deadline counts from, the column that replaces it, what happens when missed)."""

    violation: str | None = None
    governed_by: str | None = None
    start: str | None = None
    override: str | None = None
    outcome: str | None = None

    def get(self, key: str, default: object = None) -> object:
        """Rule-file view (``meta.get("start")``)."""
        value = getattr(self, key, None)
        return default if value is None else value

    def __getitem__(self, key: str) -> object:
        return getattr(self, key)


class Dated:
    """Something with versions in date order; :meth:`select` is the one version lookup."""

    versions: tuple[Version, ...]

    @cached_property
    def since(self) -> np.ndarray:
        return since_array(self.versions)

    def select(self, times: np.ndarray, rules_as_of: object = None) -> np.ndarray:
        """Index of the version in force at each time; -1 before the first version or for NaT.

        With ``rules_as_of`` every row takes the version in force at that instant."""
        return version_index(self.since, governing_times(times, rules_as_of))

    def index_at(self, time: object) -> int:
        """Index of the version in force at one time; -1 when none is."""
        return int(self.select(np.array([pd.Timestamp(time).to_datetime64()]))[0])

    def at(self, time: object) -> Version | None:
        """The version in force at one time, ``None`` when none is."""
        index = self.index_at(time)
        return self.versions[index] if index >= 0 else None


@dataclass(frozen=True)
class Rule(Dated):
    """A rule with its versions in date order; ``meta`` holds the rule-level settings."""

    rule_id: str
    kind: str
    name: str
    meta: RuleMeta
    versions: tuple[Version, ...]

    def platform(self) -> str:
        return self.rule_id.split(".", 1)[0]

    def no_rule_message(self) -> str:
        """What a row outside every version of this rule shows (never a silent 0)."""
        return f"{NO_RULE}: {self.rule_id} 自 {self.versions[0].since:%Y-%m-%d} 起生效"

    def damages_params(self, index: int) -> DamagesParams:
        params = self.versions[index].params
        assert isinstance(params, DamagesParams), self.rule_id
        return params

    def timer_params(self, index: int) -> TimerParams:
        params = self.versions[index].params
        assert isinstance(params, TimerParams), self.rule_id
        return params

    def violation_params(self, index: int) -> ViolationParams:
        params = self.versions[index].params
        assert isinstance(params, ViolationParams), self.rule_id
        return params

    def freight_params(self, index: int) -> FreightParams:
        params = self.versions[index].params
        assert isinstance(params, FreightParams), self.rule_id
        return params


@dataclass(frozen=True)
class NodeTrack(Dated):
    """Point nodes of one platform and track, in dated versions."""

    platform: str
    track: str
    name: str
    versions: tuple[Version, ...]

    def node_params(self, index: int) -> NodeParams:
        params = self.versions[index].params
        assert isinstance(params, NodeParams), self.name
        return params


@dataclass(frozen=True)
class Campaign(Dated):
    """Campaign-eligibility settings of one platform, in dated versions."""

    platform: str
    versions: tuple[Version, ...]

    def campaign_params(self, index: int) -> CampaignParams:
        params = self.versions[index].params
        assert isinstance(params, CampaignParams), self.platform
        return params

    def __iter__(self) -> Iterator[Version]:
        """Iterating gives the versions (as the plain tuple this used to be)."""
        return iter(self.versions)


@dataclass(frozen=True)
class Rulebook:
    """Everything in ``rules/*.yaml``, plus the overrides applied to it."""

    damages: Mapping[str, Rule]
    timers: Mapping[str, Rule]
    violations: Mapping[str, Rule]
    freight: Mapping[str, Rule]
    violation_names: Mapping[str, str]
    violation_aliases: Mapping[str, str]
    node_tracks: Mapping[tuple[str, str], NodeTrack]
    campaigns: Mapping[str, Campaign]
    resets: Mapping[str, str]
    freight_keywords: Mapping[str, tuple[str, ...]]
    digest: str
    overrides: tuple[AppliedOverride, ...] = field(default=())

    def violation_code(self, text: object) -> str | None:
        """Violation code for a code or a Chinese name / alias; ``None`` when unknown."""
        if text is None:
            return None
        return self.violation_aliases.get(str(text).strip().lower().replace(" ", ""))

    def all_rules(self) -> Iterable[Rule]:
        for table in (self.damages, self.timers, self.violations, self.freight):
            yield from table.values()

    def find(self, rule_id: str) -> Rule | None:
        for table in (self.damages, self.timers, self.violations, self.freight):
            if rule_id in table:
                return table[rule_id]
        return None

    def with_overrides(
        self, overrides: Mapping[str, object], notes: Mapping[str, str] | None = None
    ) -> Rulebook:
        """A copy with parameters replaced, e.g. ``{"taobao.late_shipment.max": 40}``; see
        :func:`shoprules.formulas.rulebook.overrides.apply_overrides`."""
        from .overrides import apply_overrides

        return apply_overrides(self, overrides, notes)
