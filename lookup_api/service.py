"""The lookup itself: normalize like ingest, recompute 查询键, read, group, explain.

A wrong name, an unknown ID number and a person without payments take the
same path: the key is computed, the same query runs, no row comes back,
and the same empty result is rendered.  There is no "does this ID exist"
step anywhere, so there is nothing to tell them apart.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections import defaultdict
from dataclasses import dataclass

from huinong_core.errors import ParseError
from huinong_core.keys import Keyer
from huinong_core.normalize import format_cents, parse_id, parse_name
from huinong_core.notices import Shown, applies
from huinong_core.version import CST, DataVersion
from lookup_api import texts
from lookup_api.audit import Audit
from lookup_api.db import DatabaseUnavailable, LookupDB, Snapshot
from lookup_api.ratelimit import RateLimits, tag
from lookup_api.refusals import InvalidInput, Refusal, Unavailable
from lookup_api.throttle import Escalation, Proof

QUERY = """
SELECT p.query_key, b.year, b.programme, b.name, b.short_name, b.policy_phone, b.period, b.payer, b.batch_id,
       p.name, pl.village_name, pl.township_name, p.quantity, p.standard, p.amount, p.bank, p.card_tail,
       p.date, p.status, p.reason, pl.township, w.name, w.address, w.phone, w.hours, p.village
FROM payments p
JOIN batches b ON b.id = p.batch
LEFT JOIN places pl ON pl.village = p.village
LEFT JOIN windows w ON w.township = pl.township
WHERE p.query_key = ?
"""


@dataclass(frozen=True)
class LookupService:
    """The lookup and the policy search as the routes call them: behind the rate limits and, past
    an ID's free budget, a proof-of-work; every lookup audited."""

    keyer: Keyer
    db: LookupDB
    limits: RateLimits
    audit: Audit
    id_guard: Escalation

    def snapshot(self) -> Snapshot:
        try:
            return self.db.snapshot()
        except DatabaseUnavailable:
            raise Unavailable("database_unavailable", "查询数据库暂时不可用，请稍后再试。") from None

    async def lookup(self, client: str, id_text: str, name_text: str, proof: Proof = Proof()) -> tuple[dict, str]:
        """(result, site name), or a Refusal (bad input, over a limit, a proof needed, no database).
        Audited either way.  Runs on the event loop: the SQLite read takes ~20 µs and a thread-pool
        hop cost more; a Redis count is awaited, pipelined with the other lookups' (redis_pipe.py),
        behind a short timeout (benchmarks/README.md, issue 20)."""
        outcome = "error"
        try:
            client_tag = tag(self.keyer.key, "client", client)
            per_client = ("client", client_tag, "本设备（网络）查询次数太多，")
            snap = self.snapshot()
            try:
                id18, name = parse_lookup(id_text, name_text, snap.id_prefixes)
            except InvalidInput:
                # A malformed attempt counts against the client too.
                await self.limits.hit_async(*per_client)
                raise
            # Past the ID's budget a proof-of-work, never a refusal: a stranger cannot lock its owner out.
            # The client's limit is counted first, in the same round trip (Redis).
            await self.id_guard.admit_async(tag(self.keyer.key, "id", id18), proof, client_tag,
                                            "这个身份证号码今天查询次数较多，", first=per_client)
            result = lookup(snap, self.keyer, id18, name)
            outcome = "found" if result["found"] else "none"
            return result, snap.meta.get("site_name", "")
        except Refusal as e:
            outcome = e.code
            raise
        finally:
            self.audit.record("lookup", client, outcome)

    def search(self, client: str, query: str, limit: int) -> dict:
        self.limits.hit("search", tag(self.keyer.key, "client", client), "搜索太频繁，")
        return search(self.snapshot(), query, limit)


def parse_id_number(text: str, prefixes: frozenset[str]) -> str:
    """ingest's own parser; only the wording is for the person typing (which part is wrong)."""
    try:
        return parse_id(text, prefixes or None, dt.date.today())
    except ParseError as e:
        m = e.message
        if m == "为空":
            message = "请填写身份证号码。"
        elif m.startswith("位数不对"):
            message = f"身份证号码{m}：应为18位（老身份证为15位），最后一位可能是X。请逐位核对。"
        elif m.startswith("校验位"):
            message = "身份证号码最后一位（校验位）与前17位对不上，可能有数字输错，请逐位核对。"
        elif m.startswith("出生日期"):
            message = f"身份证号码第7至14位是出生日期，{m}，请核对。"
        elif m.startswith("前6位"):
            message = f"身份证号码{m.replace('地区码', '（地区码）')}，请核对。"
        elif m.startswith("含有"):
            message = "身份证号码含有数字和X以外的字符，请核对。"
        else:
            message = f"身份证号码{m}，请核对。"
        raise InvalidInput("invalid_id_number", message) from None


def parse_person_name(text: str) -> str:
    try:
        return parse_name(text)
    except ParseError as e:
        message = "请填写姓名。" if e.message == "为空" else f"姓名{e.message}，应为{e.expected}。请重新输入。"
        raise InvalidInput("invalid_name", message) from None


def parse_lookup(id_text: str, name_text: str, prefixes: frozenset[str]) -> tuple[str, str]:
    """Both fields, every problem at once (Refusal.fields); the first is the ID's, as before."""
    problems: dict[str, InvalidInput] = {}
    id18 = name = ""
    try:
        id18 = parse_id_number(id_text, prefixes)
    except InvalidInput as e:
        problems["id_number"] = e
    try:
        name = parse_person_name(name_text)
    except InvalidInput as e:
        problems["name"] = e
    if problems:
        raise InvalidInput.combine(problems)
    return id18, name


def lookup(snap: Snapshot, keyer: Keyer, id18: str, name: str) -> dict:
    key = keyer.query_key(id18, name)
    rows = snap.conn.execute(QUERY, (key,)).fetchall()
    # The index found them by equality; confirm each in constant time anyway.
    rows = [r for r in rows if hmac.compare_digest(r[0], key)]
    return render(snap, rows)


def version_answer(version: DataVersion) -> dict:
    """The data version as every answer carries it (models.DataVersion): the core's fields and the
    label the pages print."""
    return {**version.as_dict(), "label": version.label}


def alert(notice: Shown) -> dict:
    """A notice in force as an answer carries it (models.Alert)."""
    return {"title": notice.title, "level": notice.level, "period": notice.period, "scope": notice.scope,
            "text": notice.text, "html": notice.html}


def alerts(snap: Snapshot, rows: list[tuple], now: dt.datetime | None = None) -> list[dict]:
    """Urgent notices in force now: those about the person's villages and programmes, or all when nothing
    was found (the same answer for every not-found case, so it tells nothing about the person)."""
    in_force = snap.notices_in_force(now or dt.datetime.now(CST))
    if rows:
        places = {(str(r[25]).zfill(12), r[2]) for r in rows}
        in_force = [n for n in in_force
                    if any(applies(n.regions, n.programmes, village, (code,)) for village, code in places)]
    return [alert(n) for n in in_force]


def render(snap: Snapshot, rows: list[tuple]) -> dict:
    rows.sort(key=lambda r: (-r[1], r[2], r[17], r[6]))
    years: dict[int, dict[str, dict]] = defaultdict(dict)
    windows: dict[int, dict] = {}
    for (_k, year, code, pname, short, pphone, period, payer, batch_id, masked, village, township, qty, std,
         amount, bank, tail, date, status, reason, township_code, wname, waddr, wphone, whours, _v) in rows:
        window = None
        if wname is not None:
            window = {"township": township, "name": wname, "address": waddr, "phone": wphone, "hours": whours}
            windows.setdefault(township_code, window)
        explanation, next_step = texts.explain(status, reason, bank, tail, window)
        prog = years[year].setdefault(code, {"code": code, "name": pname, "short_name": short,
                                             "policy_phone": pphone, "total": 0, "payments": []})
        if status in texts.PAID_STATUSES:
            prog["total"] += amount
        prog["payments"].append({
            "period": period, "period_label": texts.period_label(period), "name": masked,
            "village": village or "", "township": township or "", "quantity": qty, "standard": format_cents(std),
            "amount": format_cents(amount), "bank": bank, "card_tail": tail, "date": date, "status": status,
            "reason": reason, "explanation": explanation, "next_step": next_step, "payer": payer,
            "batch_id": batch_id,
        })
    out_years = []
    for year, progs in years.items():
        total = sum(p["total"] for p in progs.values())
        for p in progs.values():
            p["total"] = format_cents(p["total"])
        out_years.append({"year": year, "total": format_cents(total), "programmes": list(progs.values())})
    notices = [texts.PROTECTED, texts.scope(snap.first_year, snap.last_year), texts.SHOWN, texts.NOT_STORED]
    if not rows:
        notices.insert(0, texts.NO_RECORDS)
    supervision = texts.supervision(snap.meta.get("supervision_phone", ""))
    if supervision:
        notices.append(supervision)
    return {"data_version": version_answer(snap.version), "found": bool(rows), "years": out_years,
            "windows": list(windows.values()), "notices": notices, "alerts": alerts(snap, rows)}


SEARCH = """
SELECT i.kind, i.ref, i.title, i.summary, i.url, rank_bm25(matchinfo(search, 'pcnalx')) AS score
FROM search JOIN search_items i ON i.id = search.docid
WHERE search MATCH ? ORDER BY score, i.id LIMIT ?
"""


def search(snap: Snapshot, query: str, limit: int) -> dict:
    from huinong_core.segment import match_expression

    expression = match_expression(query)
    rows = snap.conn.execute(SEARCH, (expression, limit)).fetchall() if expression else []
    return {"data_version": version_answer(snap.version), "query": query,
            "results": [{"kind": k, "ref": r, "title": t, "summary": s, "url": u, "score": round(-(sc or 0.0), 4)}
                        for k, r, t, s, u, sc in rows]}
