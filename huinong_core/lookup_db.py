"""The lookup database's schema: the contract between the build, which writes ``lookup.sqlite``
(generator/index.py, where its contents are described), and the lookup service, which reads it
(lookup_api/db.py).  A service refuses a file of another SCHEMA_VERSION.
"""

from __future__ import annotations

SCHEMA_VERSION = "2"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE batches (
    id INTEGER PRIMARY KEY, batch_id TEXT NOT NULL, programme TEXT NOT NULL, name TEXT NOT NULL,
    card_name TEXT NOT NULL, short_name TEXT NOT NULL, period TEXT NOT NULL, year INTEGER NOT NULL,
    payer TEXT NOT NULL, phone TEXT NOT NULL, policy_phone TEXT NOT NULL
);
CREATE TABLE places (
    village INTEGER PRIMARY KEY, village_name TEXT NOT NULL, township INTEGER NOT NULL,
    township_name TEXT NOT NULL, county_name TEXT NOT NULL
);
CREATE TABLE windows (
    township INTEGER PRIMARY KEY, name TEXT NOT NULL, address TEXT NOT NULL, phone TEXT NOT NULL, hours TEXT NOT NULL
);
CREATE TABLE programmes (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, short_name TEXT NOT NULL, department TEXT NOT NULL,
    protected INTEGER NOT NULL, regions TEXT NOT NULL, start_year INTEGER NOT NULL, end_year INTEGER
);
CREATE TABLE payments (
    query_key TEXT NOT NULL, batch INTEGER NOT NULL, village INTEGER NOT NULL, name TEXT NOT NULL,
    card_tail TEXT NOT NULL, bank TEXT NOT NULL, quantity TEXT NOT NULL, standard INTEGER NOT NULL,
    amount INTEGER NOT NULL, date TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL
);
CREATE TABLE search_items (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL, title TEXT NOT NULL,
    summary TEXT NOT NULL, url TEXT NOT NULL
);
CREATE TABLE notices (
    slug TEXT PRIMARY KEY, title TEXT NOT NULL, level TEXT NOT NULL, html TEXT NOT NULL, text TEXT NOT NULL,
    period TEXT NOT NULL, scope TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL,
    regions TEXT NOT NULL, programmes TEXT NOT NULL
);
CREATE TABLE batch_keys (batch_id TEXT PRIMARY KEY, key TEXT NOT NULL);
CREATE VIRTUAL TABLE search USING fts4(title, body, tokenize=unicode61);
"""
