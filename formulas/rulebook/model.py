"""Rules as dated data: versions, rules, point-node tracks and the rulebook, and the one version
lookup every calculator uses (:meth:`Dated.select`: :func:`governing_times` then
:func:`version_index`).

>>> since = np.array(["2016-07-21", "2022-07-18"], dtype="datetime64[ns]")
>>> times = np.array(["2017-05-01", "2023-01-01", "2010-01-01", "NaT"], dtype="datetime64[ns]")
>>> version_index(since, times).tolist()
[0, 1, -1, -1]
>>> version_index(since, governing_times(times, pd.Timestamp("2022-07-18"))).tolist()
[1, 1, 1, 1]
>>> ends = np.array(["2017-01-01", "NaT"], dtype="datetime64[ns]")  # the first ends 2016-12-31
>>> version_index(since, times, ends).tolist()
[-1, 1, -1, -1]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Final, TypeVar

import numpy as np
import pandas as pd

from .errors import RuleKindError
from .params import (
    GRADES,
    CampaignParams,
    CapParams,
    DamagesParams,
    FreightParams,
    NodeParams,
    Params,
    TimerParams,
    ViolationParams,
    YearEnd,
)

if TYPE_CHECKING:
    from .overrides import AppliedOverride

NO_RULE: Final = "无适用规则"
_GRADE_BY_NAME: Final = {name: code for code, name in GRADES.items()}
# 「虚假交易-严重」「虚假交易（情节特别严重）」「售假 一般」: a name, then a grade at the end.
_GRADED: Final = re.compile(
    r"^(?P<name>.+?)[\s\-－—_·:：/（(]*(?:情节)?(?P<grade>特别严重|严重|一般|轻微)(?:情节)?[)）]?$"
)


def governing_times(times: np.ndarray, rules_as_of: object = None) -> np.ndarray:
    """The times that choose each row's version: the rows' own, or one pinned instant for all.

    ``rules_as_of`` (the ``--rules-as-of`` option) pins every row, including rows without a
    time of their own, to the versions in force at that instant.
    """
    times = np.asarray(times, dtype="datetime64[ns]")
    if rules_as_of is None:
        return times
    return np.full(len(times), pd.Timestamp(rules_as_of).to_datetime64(), dtype="datetime64[ns]")


T = TypeVar("T")


def expect(params: object, kind: type[T], where: str) -> T:
    """``params`` as ``kind``, else :class:`RuleKindError` naming ``where`` (the rule)."""
    if not isinstance(params, kind):
        raise RuleKindError(
            f"规则 {where} 的参数是 {type(params).__name__}，此处需要 {kind.__name__}", key=where
        )
    return params


def version_index(
    since: np.ndarray, governing: np.ndarray, ends: np.ndarray | None = None
) -> np.ndarray:
    """Index of the version in force at each governing time (``searchsorted`` on the effective
    dates); -1 before the first version, for ``NaT``, and at or after the version's ``ends``
    (the instant after its ``until`` day; ``NaT`` = open-ended)."""
    governing = np.asarray(governing, dtype="datetime64[ns]")
    if len(since) <= 4:  # a few versions: one comparison each (NaT compares False: -1)
        index = np.full(len(governing), -1, dtype=np.intp)
        for start in since:
            index += governing >= start
    else:
        index = np.searchsorted(since, governing, side="right") - 1
        index[np.isnat(governing)] = -1
    if ends is not None and len(ends):
        end = ends[np.maximum(index, 0)]
        index[(index >= 0) & ~np.isnat(end) & (governing >= end)] = -1
    return index


def since_array(versions: Sequence[Version]) -> np.ndarray:
    """The effective dates of dated versions as ``datetime64[ns]``."""
    return np.array([v.since.to_datetime64() for v in versions], dtype="datetime64[ns]")


def until_array(versions: Sequence[Version]) -> np.ndarray:
    """The exclusive ends of dated versions as ``datetime64[ns]`` (``NaT`` = open-ended)."""
    return np.array(
        [np.datetime64("NaT") if v.until is None else v.until.to_datetime64() for v in versions],
        dtype="datetime64[ns]",
    )


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
    #: Exclusive end (the first instant the version is no longer in force); ``None`` = open.
    until: pd.Timestamp | None = None
    #: When the source was last read against the platform's text.
    checked: pd.Timestamp | None = None

    @property
    def ends(self) -> pd.Timestamp | None:
        """The first instant no longer in force (``until``, exclusive)."""
        return self.until

    @property
    def span(self) -> str:
        """``'2016-07-21 起'`` or ``'2016-07-21 至 2019-08-25'`` (the last day in force)."""
        if self.until is None:
            return f"{self.since:%Y-%m-%d} 起"
        return f"{self.since:%Y-%m-%d} 至 {self.until - pd.Timedelta(days=1):%Y-%m-%d}"

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
    applies: str | None = None  # timers: not_shipped (requests made before shipment only)

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

    @cached_property
    def until(self) -> np.ndarray:
        return until_array(self.versions)

    def select(self, times: np.ndarray, rules_as_of: object = None) -> np.ndarray:
        """Index of the version in force at each time; -1 before the first version, for NaT and
        at or after the ``until`` of the version that would apply (a rule that has ended).

        With ``rules_as_of`` every row takes the version in force at that instant."""
        governing = governing_times(times, rules_as_of)
        index = version_index(self.since, governing)
        ends = self.until
        if len(ends) and not np.isnat(ends).all():
            end = ends[np.maximum(index, 0)]
            index[(index >= 0) & ~np.isnat(end) & (governing >= end)] = -1
        return index

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
        last = self.versions[-1]
        if last.until is not None:
            return (
                f"{NO_RULE}: {self.rule_id} 自 {self.versions[0].since:%Y-%m-%d} 起生效，"
                f"{last.until:%Y-%m-%d} 起不再适用"
            )
        return f"{NO_RULE}: {self.rule_id} 自 {self.versions[0].since:%Y-%m-%d} 起生效"

    def damages_params(self, index: int) -> DamagesParams:
        params = self.versions[index].params
        return expect(params, DamagesParams, self.rule_id)

    def timer_params(self, index: int) -> TimerParams:
        params = self.versions[index].params
        return expect(params, TimerParams, self.rule_id)

    def violation_params(self, index: int) -> ViolationParams:
        params = self.versions[index].params
        return expect(params, ViolationParams, self.rule_id)

    def cap_params(self, index: int) -> CapParams:
        params = self.versions[index].params
        return expect(params, CapParams, self.rule_id)

    def freight_params(self, index: int) -> FreightParams:
        params = self.versions[index].params
        return expect(params, FreightParams, self.rule_id)


@dataclass(frozen=True)
class NodeTrack(Dated):
    """Point nodes of one platform and track, in dated versions."""

    platform: str
    track: str
    name: str
    versions: tuple[Version, ...]

    def node_params(self, index: int) -> NodeParams:
        params = self.versions[index].params
        return expect(params, NodeParams, self.name)


@dataclass(frozen=True)
class Campaign(Dated):
    """Campaign-eligibility settings of one platform, in dated versions."""

    platform: str
    versions: tuple[Version, ...]

    def campaign_params(self, index: int) -> CampaignParams:
        params = self.versions[index].params
        return expect(params, CampaignParams, self.platform)

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
    #: Combined caps on one buyer's orders of one paid day, by id (``taobao.same_buyer_same_day``).
    cap_groups: Mapping[str, Rule] = field(default_factory=dict)
    #: The 即将超时 window before a ship-by deadline, hours (a shoprules setting, not a platform
    #: rule; 「规则」表 ``warning_hours``).
    warning_hours: float = 12.0

    def cap_group(self, platform: str) -> Rule | None:
        """The platform's same-buyer same-day cap, ``None`` when it has none."""
        return self.cap_groups.get(f"{platform}.same_buyer_same_day")

    #: Per platform and track, what survives the year-end reset (tracks not listed: cleared).
    year_end: Mapping[str, Mapping[str, YearEnd]] = field(default_factory=dict)

    def violation_code(self, text: object) -> str | None:
        """Violation code for a code or a Chinese name / alias; ``None`` when unknown."""
        if text is None:
            return None
        return self.violation_aliases.get(str(text).strip().lower().replace(" ", ""))

    def violation_and_grade(self, text: object) -> tuple[str | None, str | None]:
        """Violation code and grade (情节) of a 违规记录 entry such as 「虚假交易-严重」;
        the grade is ``None`` when the entry names none.

        >>> from shoprules.formulas.rulebook import load_rulebook
        >>> book = load_rulebook()
        >>> book.violation_and_grade("虚假交易-严重"), book.violation_and_grade("售假（情节特别严重）")
        (('fake_transaction', 'serious'), ('counterfeit', 'especially_serious'))
        >>> book.violation_and_grade("刷单"), book.violation_and_grade("严重")
        (('fake_transaction', None), (None, None))
        """
        code = self.violation_code(text)
        if code is not None or text is None:
            return code, None
        match = _GRADED.match(str(text).strip())
        if match is None:
            return None, None
        code = self.violation_code(match["name"])
        return (code, _GRADE_BY_NAME[match["grade"]]) if code is not None else (None, None)

    def all_rules(self) -> Iterable[Rule]:
        for table in (self.damages, self.cap_groups, self.timers, self.violations, self.freight):
            yield from table.values()

    def all_versions(self) -> Iterator[Version]:
        """Every version of every kind: rules, same-day caps, point nodes, campaign settings."""
        for rule in self.all_rules():
            yield from rule.versions
        for track in self.node_tracks.values():
            yield from track.versions
        for campaign in self.campaigns.values():
            yield from campaign.versions

    def stale(self, today: object, days: int) -> list[Version]:
        """Versions whose source was last checked more than ``days`` days before ``today``
        (oldest first; a version without a ``checked`` date is always stale).

        >>> from shoprules.formulas.rulebook import load_rulebook
        >>> book = load_rulebook()
        >>> book.stale("2026-12-01", 100_000), len(book.stale("2200-01-01", 1)) == len(list(book.all_versions()))
        ([], True)
        """
        limit = pd.Timestamp(today).normalize() - pd.Timedelta(days=days)
        old = [v for v in self.all_versions() if v.checked is None or v.checked < limit]
        return sorted(old, key=lambda v: (v.checked or pd.Timestamp.min, v.label))

    def find(self, rule_id: str) -> Rule | None:
        for table in (self.damages, self.cap_groups, self.timers, self.violations, self.freight):
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
