"""The strict loader rejects each kind of bad rule file, naming the file and the key."""

from __future__ import annotations

import datetime as dt
import shutil
from importlib import resources
from pathlib import Path

import pytest
from shoprules.formulas.rulebook import (
    OverrideError,
    RuleFileError,
    load_rulebook,
    load_rulebook_from,
)

RULES = Path(str(resources.files("shoprules.formulas") / "rules"))


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {name}: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_packaged_rulebook_loads() -> None:
    book = load_rulebook()
    assert len(book.damages) >= 13
    assert "all.return_window" in book.timers


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "damages.yaml",
            "      max: 30\n      base: item_paid",
            "      max: 30\n      maximum: 30\n      base: item_paid",
            "unknown key(s): maximum",
        ),
        (
            "damages.yaml",
            "      rate: 5%\n      min: 1",
            "      rate: 5%\n      rate: 6%\n      min: 1",
            "duplicate key 'rate'",
        ),
        (
            "damages.yaml",
            "    - since: 2022-07-18\n      until: 2025-09-05\n      kind: rate_clamped",
            "    - since: 2022-13-18\n      until: 2025-09-05\n      kind: rate_clamped",
            "damages.yaml",
        ),
        (
            "damages.yaml",
            "    - since: 2022-07-18\n      until: 2025-09-05\n      kind: rate_clamped",
            "    - since: 2016-01-01\n      until: 2025-09-05\n      kind: rate_clamped",
            "dates not increasing",
        ),
        (
            "damages.yaml",
            "    - since: 2022-07-18\n      until: 2025-09-05\n      kind: rate_clamped",
            "    - since: '2022/07/18'\n      until: 2025-09-05\n      kind: rate_clamped",
            "expected a date",
        ),
        (
            "damages.yaml",
            "      confidence: seed\n",
            "",
            "taobao.late_shipment.versions[0].confidence",
        ),
        (
            "damages.yaml",
            '      source: "seed 004_51003a636f234dea.txt (甩手网',
            '      sauce: "seed 004_51003a636f234dea.txt (甩手网',
            "taobao.late_shipment.versions[0]",
        ),
        (
            "damages.yaml",
            "      min: 1\n      max: 30",
            "      min: 40\n      max: 30",
            "min above max",
        ),
        (
            "damages.yaml",
            "      rate: 5%\n      min: 1",
            "      rate: 150%\n      min: 1",
            "0%–100%",
        ),
        (
            "damages.yaml",
            "      until: 2019-08-26\n      checked: 2026-12-01\n",
            "      until: 2019-08-26\n",
            "taobao.late_shipment.versions[0]: 缺少键 / missing key(s): checked",
        ),
        (
            "damages.yaml",
            "      until: 2019-08-26\n",
            "      until: 2015-08-25\n",
            "until must be after since",
        ),
        (
            "damages.yaml",
            "      until: 2019-08-26\n",
            "      until: 2019-08-27\n",
            "overlaps the previous version",
        ),
        (
            "damages.yaml",
            '      rounding: yuan_half_up\n      receiver: buyer\n      source: "【商家-发货超时】',
            '      rounding: yuan_round\n      receiver: buyer\n      source: "【商家-发货超时】',
            "douyin.late_shipment.versions[1].rounding",
        ),
        (
            "damages.yaml",
            "        - {rate: 5%, min: 5, max: 30}\n",
            "        - {promise_over_h: 48, rate: 5%, min: 5, max: 30}\n",
            "the last tier must cover every row",
        ),
        (
            "timers.yaml",
            'source: "seed 000_8be332c6f9dd8e25.txt (天猫客服规则: 72小时内发货)"',
            'source: "天猫客服规则: 72小时内发货"',
            "source must be a URL, a platform rule id or the seed file",
        ),
        (
            "timers.yaml",
            "durations: {default: 72h, presale: promised}",
            "durations: {default: 72 hours, presale: promised}",
            "taobao.ship_by.versions[0].durations.default",
        ),
        (
            "violations.yaml",
            "        track: A\n        points: 3",
            "        track: D\n        points: 3",
            "track",
        ),
        (
            "nodes.yaml",
            "            - {points: 24, days: 14,",
            "            - {points: 6, days: 14,",
            "thresholds not increasing",
        ),
        (
            "freight.yaml",
            "        seller: {outbound: 卖家, return: 卖家}",
            "        seller: {outbound: 卖家, return: 平台}",
            "all.return_freight.versions[0].seller.return",
        ),
    ],
)
def test_rejections_name_file_and_key(
    rules_dir: Path, name: str, old: str, new: str, message: str
) -> None:
    _edit(rules_dir, name, old, new)
    with pytest.raises(RuleFileError) as error:
        load_rulebook_from(rules_dir)
    assert name in str(error.value)
    assert message in str(error.value)


def test_missing_file_rejected(rules_dir: Path) -> None:
    (rules_dir / "nodes.yaml").unlink()
    with pytest.raises(RuleFileError, match=r"nodes\.yaml"):
        load_rulebook_from(rules_dir)


def test_overrides_apply_and_are_reported() -> None:
    book = load_rulebook().with_overrides(
        {"taobao.late_shipment.max": 40, "pdd.ship_by.duration.direct_mail": "6d"},
        {"taobao.late_shipment.max": "活动期"},
    )
    versions = book.damages["taobao.late_shipment"].versions
    assert [v.params.as_mapping()["max"] for v in versions[:3]] == [4000, 4000, 4000]
    assert [t["max"] for t in versions[3].params.as_mapping()["tiers"]] == [
        4000,
        4000,
    ]  # every rate tier
    assert (
        str(book.timers["pdd.ship_by"].versions[-1].params.as_mapping()["durations"]["direct_mail"])
        == "6d"
    )
    assert book.overrides[0].note == "活动期"
    assert (
        load_rulebook().damages["taobao.late_shipment"].versions[0].params.as_mapping()["max"]
        == 3000
    )  # original untouched


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("taobao.late_shipment.maximum", 1, "没有可覆盖的规则参数"),
        ("nonsense", 1, "规则参数名无法识别"),
        ("taobao.late_shipment@2019-01-01.max", 1, "没有 2019-01-01 生效的版本"),
        ("pdd.late_shipment.rate", 0.1, "不是按比例计算"),
        ("taobao.late_shipment.rate", "abc", "比例无法识别"),
        # a 规则 cell holding a date is no number (a rate used to say 比例无法识别 with the repr)
        ("taobao.late_shipment.rate", dt.datetime(2024, 1, 1), "应为数字"),
        ("taobao.late_shipment.max", dt.datetime(2024, 1, 1), "应为数字"),
    ],
)
def test_bad_overrides_rejected(key: str, value: object, message: str) -> None:
    with pytest.raises(OverrideError, match=message):
        load_rulebook().with_overrides({key: value})


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("        until: 2019-08-26\n", "        until: 2016-07-21\n", "until must be after since"),
        ("        until: 2026-04-21\n", "        until: 2026-04-22\n", "overlaps the previous"),
        (
            "          minor: {track: A, points: 0}",
            "          petty: {track: A, points: 0}",
            "petty",
        ),
        (
            "          serious: {track: A, points: 48}",
            "          serious: {track: D, points: 48}",
            "D",
        ),
        ("window_cap: {days: 30, max_points: 6}", "window_cap: {days: 30}", "max_points"),
    ],
)
def test_violation_versions_are_checked(rules_dir: Path, old: str, new: str, message: str) -> None:
    _edit(rules_dir, "violations.yaml", old, new)
    with pytest.raises(RuleFileError, match=message):
        load_rulebook_from(rules_dir)


def test_year_end_is_checked(rules_dir: Path) -> None:
    _edit(
        rules_dir,
        "nodes.yaml",
        "carry_from: 24, carry_as: 24, sealed_at",
        "carry_from: 24, sealed_at",
    )
    with pytest.raises(RuleFileError, match="carry_as"):
        load_rulebook_from(rules_dir)


def test_a_version_ends_at_its_until() -> None:
    rule = load_rulebook().violations["taobao.late_shipment"]
    assert rule.at("2019-08-25 23:59:59") is not None
    assert rule.at("2019-08-26") is None
