"""Invariants that hold for every amount, time and rule version (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from shoprules.formulas.damages import rule_damages, version_amounts
from shoprules.formulas.engine import compute
from shoprules.formulas.points import points_ledger
from shoprules.formulas.rulebook import DamagesParams, Rule, Version, load_rulebook
from shoprules.formulas.rulebook.params import PromiseTiered

BOOK = load_rulebook()
RATE_RULES = [(rule, v) for rule in BOOK.damages.values() for v in rule.versions]
amounts = st.integers(min_value=0, max_value=10_000_000)  # fen, up to 100,000 yuan
moments = st.datetimes(
    min_value=pd.Timestamp("2015-01-01").to_pydatetime(),
    max_value=pd.Timestamp("2026-10-01").to_pydatetime(),
)


def _damages(version: Version) -> DamagesParams:
    """A damages rule version's parameters (typed as the base class on ``Version``)."""
    assert isinstance(version.params, DamagesParams)
    return version.params


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(RATE_RULES), st.lists(amounts, min_size=1, max_size=50))
def test_damages_within_bounds_and_exact(
    rule_version: tuple[Rule, Version], bases: list[int]
) -> None:
    _, version = rule_version
    params = _damages(version)
    out = version_amounts(params, np.array(bases))
    assert (out >= 0).all()
    view = params.as_mapping()  # the rule-file view (YAML names), independent of the typed fields
    if view["kind"] == "rate_clamped":
        assert (out >= view["min"]).all()
        assert (out <= view["max"]).all()
        for base, fen in zip(bases, out, strict=True):
            exact = Decimal(base) * Decimal(view["rate"]) / Decimal(10_000)
            if view["rounding"] == "fen_half_up":
                expected = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
            elif view["rounding"] == "yuan_half_up":
                expected = int((exact / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 100
            else:
                expected = int(exact // 100) * 100
            assert fen == min(max(expected, view["min"]), view["max"])
    if view["kind"] == "flat":
        assert (out == view["amount"]).all()


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(
        [rv for rv in RATE_RULES if rv[1].params.as_mapping()["kind"] == "promise_tiered"]
    ),
    st.lists(st.tuples(amounts, st.floats(0, 2000)), min_size=1, max_size=50),
)
def test_tiered_damages_within_the_tier_bounds(
    rule_version: tuple[Rule, Version], rows: list[tuple[int, float]]
) -> None:
    """Tiered damages are never negative and never above the largest cap of their tiers."""
    _, version = rule_version
    params = version.params
    assert isinstance(params, PromiseTiered)
    bases = np.array([b for b, _ in rows])
    hours = np.array([h for _, h in rows])
    out = params.amounts(bases, promise_h=hours)
    caps = [t.amount_fen if t.amount_fen is not None else t.max_fen for t in params.tiers]
    assert (out >= 0).all()
    assert (out <= max(caps)).all()
    assert (out[bases == 0] <= max(t.min_fen for t in params.tiers)).all()


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(RATE_RULES), amounts, amounts)
def test_damages_monotone_in_amount(rule_version: tuple[Rule, Version], a: int, b: int) -> None:
    _, version = rule_version
    low, high = sorted((a, b))
    out = version_amounts(_damages(version), np.array([low, high]))
    assert out[0] <= out[1]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(BOOK.damages)), st.lists(moments, min_size=1, max_size=20), amounts)
def test_version_chosen_is_the_latest_in_force(
    rule_id: str, times: list[dt.datetime], base: int
) -> None:
    rule = BOOK.damages[rule_id]
    column = pd.Series(times, dtype="datetime64[ns]").to_numpy()
    result = rule_damages(rule, np.full(len(times), base), column)
    for when, index in zip(times, result.version, strict=True):
        in_force = [i for i, v in enumerate(rule.versions) if v.since <= pd.Timestamp(when)]
        latest = in_force[-1] if in_force else -1
        ended = latest >= 0 and rule.versions[latest].until is not None
        if ended and pd.Timestamp(when) >= rule.versions[latest].ends:
            latest = -1  # the latest version ended (until) and nothing follows yet
        assert index == latest


platforms = st.sampled_from(["taobao", "tmall", "pdd", "douyin", "kuaishou", "jd"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(platforms, moments, st.integers(0, 400), amounts, st.booleans()),
        min_size=1,
        max_size=30,
    )
)
def test_engine_invariants(rows: list[tuple[str, dt.datetime, int, int, bool]]) -> None:
    """Damages never negative, zero when on time, never above the largest cap; deadlines never
    before payment; hours late zero exactly when on time or pending."""
    platform, paid, delay_hours, amount, shipped = zip(*rows, strict=True)
    paid_at = pd.Series(paid, dtype="datetime64[ns]")
    shipped_at = paid_at + pd.to_timedelta(list(delay_hours), unit="h")
    shipped_at[~pd.Series(shipped)] = pd.NaT
    orders = pd.DataFrame(
        {
            "platform": list(platform),
            "paid_at": paid_at,
            "shipped_at": shipped_at,
            "paid_amount": pd.array(amount, dtype="Int64"),
        }
    )
    out = compute(orders, as_of=pd.Timestamp("2026-11-01")).results
    has = out["damages"].notna()
    assert (out.loc[has, "damages"] >= 0).all()
    assert (out.loc[has, "damages"] <= 100_000).all()  # the largest combined cap is 1,000 yuan
    on_time = out["ship_status"] == "按时发货"
    assert (out.loc[on_time, "damages"].fillna(0) == 0).all()
    assert (out.loc[on_time, "platform_fee"] == 0).all()
    with_deadline = out["ship_by"].notna()
    assert (out.loc[with_deadline, "ship_by"] >= paid_at[with_deadline]).all()
    late = out["ship_status"].isin(["延迟发货", "超时未发货"])
    assert (out.loc[late, "hours_late"] > 0).all()
    assert (out.loc[out["ship_status"].isin(["按时发货", "待发货"]), "hours_late"] == 0).all()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["taobao", "tmall"]),
            moments,
            st.sampled_from(
                ["buyer_info_leak", "invoice_refusal", "free_shipping_claim", "counterfeit"]
            ),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_ledger_totals_equal_sums_and_reset_each_year(
    rows: list[tuple[str, dt.datetime, str]],
) -> None:
    platform, when, violation = zip(*rows, strict=True)
    events = pd.DataFrame(
        {
            "date": pd.Series(when, dtype="datetime64[ns]"),
            "platform": platform,
            "violation": violation,
        }
    )
    ledger = points_ledger(events, BOOK)
    charged = ledger[ledger["problem"].isna()]
    for (platform, track, _), group in charged.groupby(["platform", "track", "year"]):
        # The year opens at 0 unless the reset keeps something (Taobao C ≥ 24 carried as 24).
        opening = group["running_total"].iloc[0] - group["points"].iloc[0]
        kept = BOOK.year_end.get(platform, {}).get(track)
        assert opening == 0 or (kept is not None and opening >= (kept.carry_as or 0))
        assert group["running_total"].iloc[-1] == opening + group["points"].sum()
        assert (group["running_total"].diff().dropna() >= 0).all()
