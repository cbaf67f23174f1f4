"""The bare endpoint of the lookup benchmark: what the HTTP stack alone costs.

JSON in (a pydantic model, as FastAPI reads it), HMAC of ID + name, the indexed SELECT on a
per-process read-only connection, JSON out: no normalization, no limits, no audit, no grouping,
run inline on the event loop.  Served by the same server stack as our API (``benchmarks.lookup``
starts it with the same command line), so the ratio of the two is what our own layers cost.

    LOOKUP_DB=.../lookup.sqlite HUINONG_DEMO=1 python -m lookup_api --app benchmarks.bare_api:app
"""

from __future__ import annotations

import os
import sqlite3

from fastapi import FastAPI
from pydantic import BaseModel

from huinong_core.keys import load_key

SELECT = ("SELECT b.programme, b.period, p.name, p.amount, p.date, p.status FROM payments p "
          "JOIN batches b ON b.id = p.batch WHERE p.query_key = ?")


class Query(BaseModel):
    id_number: str
    name: str


def create_app() -> FastAPI:
    keyer = load_key()
    conn = sqlite3.connect(f"file:{os.environ['LOOKUP_DB']}?mode=ro", uri=True, check_same_thread=False)
    app = FastAPI()

    @app.get("/api/v1/health")
    async def health() -> dict:
        return {"ok": True}

    @app.post("/api/v1/lookup")
    async def lookup(q: Query) -> dict:
        rows = conn.execute(SELECT, (keyer.query_key(q.id_number, q.name),)).fetchall()
        return {"found": bool(rows), "payments": [dict(zip(("programme", "period", "name", "amount", "date",
                                                             "status"), r)) for r in rows]}

    return app


def __getattr__(name: str):
    if name == "app":  # built on first use, in the worker process
        return create_app()
    raise AttributeError(name)
