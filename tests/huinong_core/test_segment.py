"""The shared segmenter: index terms, query terms, safe MATCH expressions."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings, strategies as st

from huinong_core.segment import index_terms, match_expression, query_terms, words

DOCS = ["耕地地力保护补贴", "农村居民最低生活保障金", "特困人员救助供养金", "高龄津贴", "残疾人两项补贴（合并发放）",
        "农机购置与应用补贴"]


def fts(docs=DOCS):
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE f USING fts4(body, tokenize=unicode61)")
    con.executemany("INSERT INTO f(docid, body) VALUES (?, ?)", [(i, index_terms(d)) for i, d in enumerate(docs)])
    return con


def find(con, query: str) -> list[str]:
    expression = match_expression(query)
    if expression is None:
        return []
    return [DOCS[i] for (i,) in con.execute("SELECT docid FROM f WHERE f MATCH ? ORDER BY docid", (expression,))]


def test_words_are_jieba_search_mode_without_punctuation():
    assert words("耕地地力保护补贴（示例）") == ["耕地", "地", "力", "保护", "补贴", "示例"]


def test_everyday_queries_find_the_full_names():
    con = fts()
    assert find(con, "耕地补贴") == ["耕地地力保护补贴"]
    assert find(con, "低保") == ["农村居民最低生活保障金"]
    assert find(con, "五保") == ["特困人员救助供养金"]
    assert find(con, "高龄补贴") == ["高龄津贴"]
    assert find(con, "农机补贴") == ["农机购置与应用补贴"]
    assert find(con, "怎么查低保") == ["农村居民最低生活保障金"]
    assert find(con, "补贴") == ["耕地地力保护补贴", "残疾人两项补贴（合并发放）", "农机购置与应用补贴"]


def test_full_width_and_case_fold_on_both_sides():
    con = fts(["项目编码 NY001"])
    assert match_expression("ｎｙ００１") == '"ny001"'
    assert con.execute("SELECT count(*) FROM f WHERE f MATCH ?", (match_expression("ＮＹ００１"),)).fetchone() == (1,)


def test_operators_are_quoted_words():
    assert match_expression('低保 OR "x" NOT y*') == '"低保" "or" "x" "not" "y"'
    assert match_expression("") is None and match_expression("的 吗 ？") is None
    assert query_terms("最低生活保障") == ["低保"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_makes_a_valid_match_expression(text):
    con = fts()
    expression = match_expression(text)
    if expression is not None:
        con.execute("SELECT count(*) FROM f WHERE f MATCH ?", (expression,)).fetchone()
