"""The rulebook: dated, sourced rule data, loaded strictly from the packaged ``rules/*.yaml``.

Every value has ``since`` (effective date; ``until``, the last day in force, once it ended),
``source``, ``checked`` (when the source was last read) and ``confidence``; parameters are typed
(:mod:`.params`). The version applied to a row is chosen by that row's governing time with the
one lookup :meth:`Rule.select` (a vectorised ``searchsorted``; ``rules_as_of`` pins it).

>>> import numpy as np
>>> book = load_rulebook()
>>> rule = book.damages["taobao.late_shipment"]
>>> [v.label for v in rule.versions]
['taobao.late_shipment@2016-07-21', 'taobao.late_shipment@2019-08-26', 'taobao.late_shipment@2022-07-18', 'taobao.late_shipment@2025-09-05']
>>> rule.select(np.array(["2017-05-01", "2023-01-01", "2010-01-01"], dtype="datetime64[ns]")).tolist()
[0, 2, -1]
>>> rule.versions[2].describe(), rule.versions[2].span, rule.meta.governed_by
('5% [5.00, 30.00] 元，赔给买家', '2022-07-18 至 2025-09-04', 'ship_by')
>>> rule.versions[3].describe()
'按承诺发货时效分档：承诺≤48h → 1% [3, 30]；其余 → 5% [5, 30]，赔给买家'
>>> book.violation_code("延迟发货"), book.violation_code("fake_shipment"), book.violation_code("?")
('late_shipment', 'fake_shipment', None)
"""

from __future__ import annotations

from .errors import OverrideError, RulebookError, RuleFileError, RuleKindError
from .loader import (
    CONFIDENCES,
    FREIGHT_FAULTS,
    GOVERNED_BY,
    RULE_FILES,
    TIMER_STARTS,
    TIMER_STOPS,
    TRACKS,
    load_rulebook,
    load_rulebook_from,
)
from .model import (
    NO_RULE,
    Campaign,
    NodeTrack,
    Rule,
    Rulebook,
    RuleMeta,
    Version,
    expect,
    governing_times,
    version_index,
)
from .overrides import AppliedOverride, apply_overrides
from .params import (
    GRADES,
    TRACK_NAMES,
    Band,
    Bands,
    CampaignParams,
    DamagesParams,
    Duration,
    EveryA,
    Flat,
    FreightParams,
    Grade,
    Node,
    NodeParams,
    Params,
    RateClamped,
    TimerParams,
    ViolationParams,
    WindowCap,
    YearEnd,
)

__all__ = [
    "CONFIDENCES",
    "FREIGHT_FAULTS",
    "GOVERNED_BY",
    "GRADES",
    "NO_RULE",
    "RULE_FILES",
    "TIMER_STARTS",
    "TIMER_STOPS",
    "TRACKS",
    "TRACK_NAMES",
    "AppliedOverride",
    "Band",
    "Bands",
    "Campaign",
    "CampaignParams",
    "DamagesParams",
    "Duration",
    "EveryA",
    "Flat",
    "FreightParams",
    "Grade",
    "Node",
    "NodeParams",
    "NodeTrack",
    "OverrideError",
    "Params",
    "RateClamped",
    "Rule",
    "RuleFileError",
    "RuleKindError",
    "RuleMeta",
    "Rulebook",
    "RulebookError",
    "TimerParams",
    "Version",
    "ViolationParams",
    "WindowCap",
    "YearEnd",
    "apply_overrides",
    "expect",
    "governing_times",
    "load_rulebook",
    "load_rulebook_from",
    "version_index",
]
