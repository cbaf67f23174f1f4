"""The one Chinese segmenter, shared by every search index and every query.

Chinese has no spaces, so full-text search needs words cut out of the text
the same way at index time and at query time.  Three layers:

* jieba in search mode for words (耕地地力保护补贴 → 耕地 / 地力 / 保护 / 补贴);
* every single character and character pair of each run of Chinese text,
  so a query word jieba cuts differently from the indexed text still
  matches (a query is cut with jieba into words and each word into pairs);
* a small table of abbreviations people actually use (低保 for
  最低生活保障, 五保 for 特困人员, ...): a text containing any form of a
  group is indexed with the group's first form too, and a query containing
  any form asks for that first form.

`index_terms` makes the text to store in an FTS column; `match_expression`
turns what a person typed into a safe FTS4 MATCH expression (every term
double-quoted, AND-ed, nothing of the query syntax left to the user).
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

#: Abbreviations and everyday names → the first form is the group's search token.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("低保", "最低生活保障", "低保金"),
    ("五保", "特困人员", "特困供养", "五保供养"),
    ("种粮补贴", "耕地地力保护补贴", "种粮直补", "种粮农民"),
    ("农机补贴", "农机购置"),
    ("高龄补贴", "高龄津贴", "高龄老人"),
    ("残疾人补贴", "残疾人两项补贴", "困难残疾人生活补贴", "重度残疾人护理补贴", "残疾补贴"),
    ("计生", "计划生育"),
    ("危改", "危房改造"),
    ("助学金", "国家助学金"),
    ("一卡通", "社会保障卡", "社保卡"),
)

#: Words that carry no meaning in a question (怎么查低保 → 低保).
STOPWORDS = frozenset(
    "的 了 和 与 及 或 是 在 有 我 我的 你 吗 呢 啊 怎么 怎样 如何 什么 哪些 哪个 多少 能 可以 要 想 查 查询 一下".split()
)

MAX_QUERY_CHARS = 50
MAX_TERMS = 24

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script


@functools.lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def fold(text: str) -> str:
    """NFKC (full-width → half-width) and lower case: the same on both sides."""
    return unicodedata.normalize("NFKC", text).lower()


def words(text: str) -> list[str]:
    """jieba search-mode words, punctuation and spaces dropped (for any search index)."""
    return [w for w in _jieba().cut_for_search(fold(text)) if _WORD.fullmatch(w)]


def _grams(run: str) -> list[str]:
    return list(run) + [run[i:i + 2] for i in range(len(run) - 1)]


def _synonym_tokens(text: str) -> list[str]:
    return [group[0] for group in SYNONYMS if any(form in text for form in group)]


def index_terms(text: str) -> str:
    """The text to put in an FTS4 column (unicode61 tokenizer): terms separated by spaces."""
    text = fold(text)
    terms = words(text)
    for run in _CJK_RUN.findall(text):
        terms.extend(_grams(run))
    terms.extend(_synonym_tokens(text))
    return " ".join(terms)


def query_terms(query: str) -> list[str]:
    """What a person typed → the terms every hit must contain (de-duplicated, in order)."""
    text = fold(query)[:MAX_QUERY_CHARS]
    terms: list[str] = []
    for group in SYNONYMS:
        for form in sorted(group, key=len, reverse=True):
            if form in text:
                text = text.replace(form, " ")
                terms.append(group[0])
    for word in _jieba().cut(text):
        if not _WORD.fullmatch(word) or word in STOPWORDS:
            continue
        if _CJK_RUN.fullmatch(word) and len(word) > 2:
            terms.extend(word[i:i + 2] for i in range(len(word) - 1))
        else:
            terms.append(word)
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def match_expression(query: str) -> str | None:
    """A safe FTS4 MATCH expression for a user query, or None when nothing is left to search.

    Terms are made only of letters and digits and each is double-quoted, so
    FTS operators typed by the user (OR, NOT, NEAR, *, ^, -, quotes,
    parentheses, column filters) are never interpreted.
    """
    terms = query_terms(query)
    if not terms:
        return None
    return " ".join(f'"{t}"' for t in terms)
