"""huinong_core/disclosure.py: no hidden cell can be worked out by subtraction (checked by brute force)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from huinong_core.disclosure import GUARD, MIN_COUNT, SMALL, suppress


def feasible_values(counts: dict, hidden: dict) -> dict:
    """Every value each hidden cell can take, by enumerating what a reader cannot rule out:
    the shown cells and the total are known, SMALL is 1..4, GUARD is at least 5."""
    return _possible(sum(counts.values()) - sum(n for k, n in counts.items() if k not in hidden), hidden)


def _possible(rest: int, hidden: dict) -> dict:
    """Each hidden cell's values that some assignment summing to `rest` allows."""
    keys = sorted(hidden)
    ranges = [range(1, MIN_COUNT) if hidden[k] == SMALL else range(MIN_COUNT, rest + 1) for k in keys]
    seen = {k: set() for k in keys}
    for combo in itertools.product(*ranges):
        if sum(combo) == rest:
            for k, v in zip(keys, combo):
                seen[k].add(v)
    return seen


tables = st.dictionaries(st.sampled_from("ABCDEF"), st.integers(1, 14), min_size=1, max_size=5)


@settings(max_examples=400, deadline=None)
@given(tables)
def test_no_hidden_cell_is_recoverable_by_subtraction(counts):
    s = suppress(counts)
    assert {k for k, n in counts.items() if n < MIN_COUNT} <= {k for k, v in s.hidden.items() if v == SMALL}
    assert all(counts[k] >= MIN_COUNT for k, v in s.hidden.items() if v == GUARD)
    if s.total_hidden:
        return  # nothing is published to subtract from
    for key, values in feasible_values(counts, dict(s.hidden)).items():
        assert counts[key] in values
        assert len(values) > 1, (counts, dict(s.hidden), key)


@given(tables)
def test_nothing_is_hidden_without_need(counts):
    s = suppress(counts)
    if all(n >= MIN_COUNT for n in counts.values()):
        assert not s.hidden and not s.total_hidden


def test_the_issue_case_one_small_group_beside_a_total():
    # 咨询 12, 投诉 9, 举报 3: before, 举报 was the total (24) minus the others.
    s = suppress({"咨询": 12, "投诉": 9, "举报": 3})
    assert dict(s.hidden) == {"举报": SMALL, "投诉": GUARD} and not s.total_hidden
    # Two small groups whose values the bounds pin down (4 + 4 = 8 = total - shown): a guard too.
    assert suppress({"a": 4, "b": 4, "c": 20}).hidden == {"a": SMALL, "b": SMALL, "c": GUARD}
    # Nothing left to add: the total goes.
    assert suppress({"a": 4, "b": 4}).total_hidden


# ------------------------------------------------------------------ the published tables

def attacker(table: list[tuple[str, int | None, str]], total: int | None) -> dict:
    """What subtraction tells about each hidden row of a table as published: (label, shown count
    or None, shown text) rows and the total (None when hidden)."""
    if total is None:
        return {}
    counts = {label: n for label, n, _ in table if n is not None}
    hidden = {label: SMALL if text.startswith("少于") else GUARD for label, n, text in table if n is None}
    return _possible(total - sum(counts.values()), hidden)


cells = st.dictionaries(st.sampled_from(["410421101", "410421102", "410421103", "410421104"]),
                        st.integers(1, 12), min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(cells)
def test_site_statistics_rows_hide_enough(counts):
    from generator.site.stats import Cell, table_rows

    table = {k: Cell(people=n, records=n, paid=n, amount=Decimal(100 * n)) for k, n in counts.items()}
    rows, total_hidden = table_rows(table, lambda k: {"name": k})
    shown = [(r["name"], None if r["suppressed"] else int(r["people"]), r["people"]) for r in rows]
    hidden_rows = [r for r in rows if r["suppressed"]]
    assert all(r["amount"] == "—" for r in hidden_rows)
    # Amounts add up to the total shown beside them: a single hidden amount would be the difference.
    assert total_hidden or len(hidden_rows) != 1
    for label, values in attacker(shown, None if total_hidden else sum(counts.values())).items():
        assert counts[label] in values and len(values) > 1, (counts, shown)


kinds = st.sampled_from(["咨询", "投诉", "举报", "上门服务"])
counties = st.sampled_from(["410421000000", "410425000000", "410402000000"])
programmes = st.sampled_from(["耕地地力保护补贴", "农村低保", None])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(kinds, programmes, counties), min_size=1, max_size=30))
def test_case_statistics_hide_enough(cases):
    from types import SimpleNamespace

    from lookup_api.cases.service import tabulate

    now = dt.datetime(2026, 12, 1, 12)
    rows = [SimpleNamespace(kind=k, programme=p, programme_name=p, county=c, status="已受理", rating=None,
                            created_at=now - dt.timedelta(days=3), due_at=now + dt.timedelta(days=10), replied_at=None)
            for k, p, c in cases]
    stats = tabulate(rows, {"410421000000": "宝丰县", "410425000000": "郏县", "410402000000": "新华区"}, now)
    total = stats["total"]["cases"]
    assert total is None or total == len(cases)
    for name, key in (("by_kind", 0), ("by_programme", 1), ("by_county", 2)):
        truth = {}
        for case in cases:
            label = case[key] or "不涉及具体项目"
            label = {"410421000000": "宝丰县", "410425000000": "郏县", "410402000000": "新华区"}.get(label, label)
            truth[label] = truth.get(label, 0) + 1
        table = [(r["label"], r["cases"], r["shown"]) for r in stats[name]]
        assert {label for label, *_ in table} == set(truth)
        for label, n, _ in table:
            assert n is None or n == truth[label] >= MIN_COUNT
        for label, values in attacker(table, total).items():
            assert truth[label] in values and len(values) > 1, (name, truth, table, total)


findings = st.lists(st.tuples(st.sampled_from(["410421000000", "410425000000"]), st.sampled_from([2025, 2026]),
                              st.sampled_from(["死亡后发放", "重复发放"]), st.sampled_from(["P01", "P02", "P99"]),
                              st.booleans()), max_size=40)


@settings(max_examples=150, deadline=None)
@given(findings)
def test_screening_summary_hides_enough(found):
    """The screening summary publishes no totals (nothing to subtract from), shows no count
    under 5 nor its share resolved, and leaves protected programmes (P99 here) out."""
    from types import SimpleNamespace

    from generator.screening import public_summary

    rules = SimpleNamespace(rules=[SimpleNamespace(name="死亡后发放", label="死亡"), SimpleNamespace(name="重复发放", label="重复")])
    items = [SimpleNamespace(county=c, year=y, rule=r, programme=p, key=(r, "b", str(i)))
             for i, (c, y, r, p, _) in enumerate(found)]
    resolutions = {x.key: ("已追回", "") for x, f in zip(items, found) if f[4]}
    applied = {(c, y, r) for c in ("410421000000", "410425000000") for y in (2025, 2026) for r in ("死亡后发放", "重复发放")}
    summary = public_summary(SimpleNamespace(findings=items, applied=applied), rules, {}, resolutions, {"P99"})
    assert set(summary) == {"说明", "生成时间", "最小公布数", "数据"}  # no total anywhere
    truth = {}
    for x in items:
        if x.programme != "P99":
            truth[(x.county, x.year, x.rule)] = truth.get((x.county, x.year, x.rule), 0) + 1
    for row in summary["数据"]:
        n = truth.get((row["区划代码"], row["年度"], row["规则"]), 0)
        if 0 < n < MIN_COUNT:
            assert row["疑点数"] is None and row["少于5"] and row["已处理比例"] is None
        else:
            assert row["疑点数"] == n and not row["少于5"]
