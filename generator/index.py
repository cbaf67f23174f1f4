"""The lookup database, written by the build next to the site (not inside it).

``public/lookup.sqlite`` is what the lookup API reads, read-only.  It holds:

* ``payments``: one row per payment inside 查询年限, keyed by 查询键 (the
  HMAC of ID number + name), with only masked fields: masked name, card
  tail, bank, village, amounts, date, status, reason.  No 人员键 or 卡键
  (they would link records without the name), and **no protected
  programme at all**;
* ``batches``: programme name, 四字简称, period and payer of each batch;
* ``places`` and ``windows``: village → township, and each township's
  便民服务窗口 with its phone and hours, for the next steps of a status;
* ``programmes``: every programme of the 政策清单 (protected ones too: the list is
  public) with its 主管部门 and regions, so the 咨询与投诉 form can offer it and
  route a case to the department in charge;
* ``meta``: data version (commit, build time), the 查询年限 window, the
  supervision phone, and the county prefixes the ID check accepts;
* ``notices``: every urgent notice (data/notices/), in force or not, with its
  scope; the API shows the ones in force at request time;
* ``search`` (FTS4) + ``search_items``: policies, documents and procedures
  segmented by :mod:`huinong_core.segment`, for ``/api/v1/policies?q=``;
* ``batch_keys``: a hash of each batch's files, for the next build's delta.

Incremental: when the last build left a lookup.sqlite made by the same code,
the build copies it and applies the delta (payments of removed or changed
batches deleted, of new or changed batches inserted; the small tables are
written again), instead of inserting every payment again.  Unchanged batches
keep their row ids, so the file differs from a full build's in row ids and
page layout only, never in what a lookup returns (tests compare the content).

Digit-only text columns never sit next to each other in a row (codes are
stored as integers, amounts in cents), so no run of digits in the file can
look like an ID or card number to the privacy gate.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from generator.context import LOOKUP_DB, BuildContext
from generator.writer import input_key
from huinong_core import urls
from huinong_core.lookup_db import SCHEMA, SCHEMA_VERSION
from huinong_core.models import Dataset
from huinong_core.normalize import format_decimal
from huinong_core.regions import county_of, prefix, region_level, region_parent_code
from huinong_core.segment import index_terms

# Written again in full by every build, incremental or not (payments is the one big table).
SMALL_TABLES = ("meta", "batches", "places", "windows", "programmes", "search_items", "search", "notices", "batch_keys")

# Created after the bulk insert: much faster than maintaining them row by row.
INDEXES = "CREATE INDEX IF NOT EXISTS payments_query_key ON payments(query_key);"

ANALYSIS_LIMIT = 1000  # rows of each index ANALYZE looks at

PAYMENT_COLUMNS = ("query_key", "batch", "village", "name", "card_tail", "bank", "quantity", "standard",
                   "amount", "date", "status", "reason")


def cents(value) -> int:
    return int((value * 100).to_integral_value())


def first_lookup_year(ds: Dataset, today) -> int:
    years = ds.site.lookup_years if ds.site else 5
    return today.year - years + 1


def create(path: Path, *, schema: bool = True) -> sqlite3.Connection:
    """A new, empty lookup database, tuned for one bulk load (the file is temporary until commit).

    ``schema=False``: `path` is a copy of the last build's database, to be updated in place."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    for statement in SCHEMA.split(";") if schema else ():
        if statement.strip():
            conn.execute(statement)
    return conn


def insert_payments(conn: sqlite3.Connection, rows: Iterable[tuple]) -> None:
    marks = ",".join("?" * len(PAYMENT_COLUMNS))
    conn.executemany(f"INSERT INTO payments ({','.join(PAYMENT_COLUMNS)}) VALUES ({marks})", rows)


def set_meta(conn: sqlite3.Connection, meta: dict[str, object]) -> None:
    conn.executemany("INSERT INTO meta VALUES (?, ?)",
                     [(k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in meta.items()])


def finish(conn: sqlite3.Connection) -> None:
    """Indexes, statistics, commit; the file is then ready for read-only use."""
    conn.execute(INDEXES)
    conn.execute("INSERT INTO search(search) VALUES ('optimize')")
    # Statistics from a sample of each index (SQLite's advice for ANALYZE on big tables): a full
    # ANALYZE reads all of payments, 2 s of a province's one-batch build.
    conn.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    conn.execute("ANALYZE")
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()


def _places(ctx: BuildContext) -> tuple[list[tuple], list[tuple]]:
    ds = ctx.dataset
    regions = ds.regions
    places = []
    for code, r in regions.items():
        if region_level(code) != "村":
            continue
        township_code = region_parent_code(code)
        township = regions.get(township_code)
        county = regions.get(county_of(code))
        places.append((int(code), r.name, int(township_code), township.name if township else "",
                       county.name if county else ""))
    windows = [(int(code), w.name, w.address, w.phone, w.hours) for code, (w, *_) in ctx.village_infos.windows.items()]
    return places, windows


def _programmes(ds: Dataset) -> list[tuple]:
    """The latest row of each programme, with its first year over all rows."""
    rows: dict[str, list] = {}
    for p in ds.policies:
        rows.setdefault(p.code, []).append(p)
    out = []
    for code, ps in sorted(rows.items()):
        ps.sort(key=lambda p: p.start_year)
        p = ps[-1]
        out.append((code, p.name, p.short_name, p.department, int(p.protected), " ".join(p.regions),
                    ps[0].start_year, p.end_year))
    return out


def _search_entries(ds: Dataset) -> list[tuple[str, str, str, str, str, str]]:
    """(kind, ref, title, summary, url, body) for each policy, document and procedure."""
    latest: dict[str, object] = {}
    for p in ds.policies:
        if p.code not in latest or p.start_year > latest[p.code].start_year:
            latest[p.code] = p
    out = []
    for p in latest.values():
        title = p.name
        summary = f"{p.short_name} · {p.level} · {p.department} · 补贴对象：{p.target}"
        body = " ".join((p.code, p.card_name, p.short_name, p.level, p.department, p.target, p.standard, p.use,
                         p.basis, p.method, p.timing, p.funding, p.note))
        out.append(("policy", p.code, title, summary, urls.policy_page(p.code), body))
    for d in ds.documents:
        summary = f"{d.number} · {d.issuer} · {d.date.isoformat()}"
        body = " ".join((d.number, d.issuer, " ".join(d.programmes), d.body))
        out.append(("document", d.slug, d.title, summary, urls.document_page(d.slug), body))
    for pr in ds.procedures:
        summary = " → ".join(s.stage for s in pr.steps)
        body = " ".join([" ".join(pr.programmes)] + [f"{s.stage} {s.unit} {s.limit} {s.detail}" for s in pr.steps])
        out.append(("procedure", pr.slug, pr.name, summary, urls.procedure_page(pr.slug), body))
    return out


def _notice_rows(ds: Dataset) -> list[tuple]:
    from huinong_core.notices import shown

    rows = []
    for n in ds.notices:
        s = shown(ds, n)
        rows.append((s.slug, s.title, s.level, s.html, s.text, s.period, s.scope, s.start.isoformat(),
                     s.end.isoformat(), " ".join(s.regions), " ".join(s.programmes)))
    return rows


def _payment_rows(ds: Dataset, batch_ids: dict[str, int], only: set[str] | None = None) -> Iterable[tuple]:
    for b in ds.batches:
        bid = batch_ids.get(b.batch_id)
        if bid is None or (only is not None and b.batch_id not in only):
            continue
        for r in b.records:
            yield (r.query_key, bid, int(r.region), r.name, r.card_tail, r.bank, format_decimal(r.quantity),
                   cents(r.standard), cents(r.amount), r.date.isoformat(), r.status, r.reason)


def _terms(ctx: BuildContext, text: str) -> str:
    """index_terms, kept by the batch cache: the texts searched (policies, documents, procedures)
    seldom change, and segmenting them needs jieba's dictionary loaded (half a second)."""
    if ctx.cache is None:
        return index_terms(text)
    key = hashlib.sha256((ctx.cache.context + text).encode("utf-8")).hexdigest()  # context: our code, jieba's version
    terms = ctx.cache.recall("search-terms", key)
    if terms is None:
        terms = index_terms(text)
        ctx.cache.keep("search-terms", key, terms)
    return terms


def _previous(ctx: BuildContext) -> tuple[Path | None, dict[str, tuple[int, str]]]:
    """The last build's database and {batch id: (row id, key)}, when the writer may reuse it."""
    prev_dir = ctx.writer.previous
    path = prev_dir / LOOKUP_DB if prev_dir is not None else None
    if path is None or not path.is_file():
        return None, {}
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if dict(conn.execute("SELECT key, value FROM meta")).get("schema") != SCHEMA_VERSION:
                return None, {}
            old = {bid: (i, key) for bid, i, key in conn.execute(
                "SELECT k.batch_id, b.id, k.key FROM batch_keys k JOIN batches b ON b.batch_id = k.batch_id")}
        finally:
            conn.close()
    except sqlite3.Error:
        return None, {}
    return path, old


def write(ctx: BuildContext) -> int:
    ds = ctx.dataset
    first_year = first_lookup_year(ds, ctx.today)
    protected = ds.protected_codes()
    published = [b for b in ds.batches if b.programme not in protected and first_year <= b.year <= ctx.today.year
                 and ds.policy_for(b.programme, b.year) is not None]  # check() guarantees a policy; never guess
    keys = {b.batch_id: ctx.batch_key(b) for b in published}
    # Nothing it is made of changed: the last file as it is, with the build time it says it was built at
    # (an hourly rebuild must not copy a province's database to every API host for a new timestamp).
    whole = input_key("lookup", sorted(keys.items()), ctx.version.commit, ctx.version.dirty, first_year,
                      ctx.today.year, ds.site, sorted(ds.regions.items()), ds.policies, ds.documents, ds.procedures,
                      ds.services, ds.notices)
    if ctx.writer.reuse(LOOKUP_DB, whole):
        return 1
    ctx.writer.note_key(LOOKUP_DB, whole)
    target = ctx.writer.path_for(LOOKUP_DB)
    prev_path, old = _previous(ctx)
    if prev_path is not None:
        shutil.copyfile(prev_path, target)
    conn = create(target, schema=prev_path is None)
    try:
        batch_ids: dict[str, int] = {}
        todo: set[str] | None = None  # batches whose payments go in (None: all)
        if prev_path is not None:
            keep = {bid: i for bid, (i, key) in old.items() if keys.get(bid) == key}
            stale = [(i,) for bid, (i, _key) in old.items() if bid not in keep]
            conn.executemany("DELETE FROM payments WHERE batch = ?", stale)
            for table in SMALL_TABLES:
                conn.execute(f"DELETE FROM {table}")
            batch_ids.update(keep)
            todo = {b.batch_id for b in published if b.batch_id not in keep}
            ctx.stats["lookup_batches_updated"] = len(todo) + len(set(old) - set(keys))
        next_id = max(batch_ids.values(), default=0) + 1
        batch_rows = []
        for b in published:
            policy = ds.policy_for(b.programme, b.year)
            if b.batch_id not in batch_ids:
                batch_ids[b.batch_id], next_id = next_id, next_id + 1
            batch_rows.append((batch_ids[b.batch_id], b.batch_id, b.programme, policy.name, policy.card_name,
                               policy.short_name, b.period, b.year, b.payer, b.phone, policy.phone))
        conn.executemany("INSERT INTO batches VALUES (?,?,?,?,?,?,?,?,?,?,?)", batch_rows)
        conn.executemany("INSERT INTO batch_keys VALUES (?,?)", sorted(keys.items()))
        insert_payments(conn, _payment_rows(ds, batch_ids, todo))
        records = conn.execute("SELECT count(*) FROM payments").fetchone()[0]
        conn.executemany("INSERT INTO programmes VALUES (?,?,?,?,?,?,?,?)", _programmes(ds))
        places, windows = _places(ctx)
        conn.executemany("INSERT INTO places VALUES (?,?,?,?,?)", places)
        conn.executemany("INSERT INTO windows VALUES (?,?,?,?,?)", windows)
        for i, (kind, ref, title, summary, url, body) in enumerate(_search_entries(ds), 1):
            conn.execute("INSERT INTO search_items VALUES (?,?,?,?,?,?)", (i, kind, ref, title, summary, url))
            conn.execute("INSERT INTO search(docid, title, body) VALUES (?,?,?)",
                         (i, _terms(ctx, title), _terms(ctx, body)))
        conn.executemany("INSERT INTO notices VALUES (?,?,?,?,?,?,?,?,?,?,?)", _notice_rows(ds))
        site = ds.site
        set_meta(conn, {
            "schema": SCHEMA_VERSION,
            **ctx.version.as_meta(),
            "first_year": str(first_year),
            "last_year": str(ctx.today.year),
            "records": str(records),
            "site_name": site.name if site else "",
            "publisher": site.publisher if site else "",
            "supervision_phone": site.phone if site else "",
            "id_prefixes": " ".join(sorted({prefix(c, "县") for c in ds.regions if region_level(c) == "县"})),
        })
        finish(conn)
    except BaseException:
        conn.close()
        raise
    return 1
