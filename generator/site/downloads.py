"""Downloads: the policy list as CSV/XLSX/JSON, each village's list as CSV/JSON.

CSV is UTF-8 with BOM so Excel opens it; every text cell that a spreadsheet
would run as a formula (= + - @ tab CR at the start) is prefixed with an
apostrophe, in the CSV and the XLSX alike, so the files hold the same rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

from generator.checkcode import batch_check_code
from generator.parallel import fork_map
from generator.site.common import SiteData, period_label
from generator.writer import input_key
from huinong_core import urls

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

POLICY_COLUMNS = ("项目编码", "补贴政策名称", "一卡通发放项目名称", "四字简称", "政策级次", "主管部门", "补贴对象",
                  "对象类别", "补贴标准", "资金用途", "政策依据", "发放方式", "发放时间", "资金来源", "政策解答电话",
                  "起始年度", "终止年度")
VILLAGE_COLUMNS = ("批次号", "项目编码", "项目名称", "期次", "公示开始", "公示结束", "核对码", "序号", "姓名", "数量",
                   "标准", "金额", "发放日期", "状态")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(header, rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow([safe_cell(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def xlsx_bytes(title: str, header, rows, when) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([safe_cell(v) for v in row])
        for cell in ws[ws.max_row]:
            cell.data_type = "s"  # never a formula
    ws.freeze_panes = "A2"
    wb.properties.created = when.astimezone(dt.timezone.utc).replace(tzinfo=None)  # written with a "Z"
    buf = io.BytesIO()
    wb.save(buf)
    return _reproducible_zip(buf.getvalue(), when)


def _reproducible_zip(data: bytes, when) -> bytes:
    """The same workbook bytes for the same data: openpyxl stamps the wall clock into
    docProps/core.xml (modified) and every zip entry; use the build time instead."""
    import re
    import zipfile

    stamp = when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), content)
            info = zipfile.ZipInfo(item.filename, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, content)
    return out.getvalue()


def _json(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def policy_rows(sd: SiteData) -> list[list]:
    rows = []
    for code in sd.programmes:
        if not sd.in_force(code):
            continue
        p = sd.current(code)
        rows.append([p.code, p.name, p.card_name, p.short_name, p.level, p.department, p.target, "、".join(p.groups),
                     p.standard, p.use, p.basis, p.method, p.timing, p.funding, p.phone, p.start_year,
                     "" if p.end_year is None else p.end_year])
    return rows


def village_rows(sd: SiteData, pbs, check_codes: dict | None = None) -> list[list]:
    """`check_codes`: (village, batch) -> the code, where the list's page was rendered in this build."""
    rows = []
    for pb in pbs:
        b = pb.batch
        policy = sd.ds.policy_for(b.programme, b.year)
        code = (check_codes or {}).get((pb.village, b.batch_id)) or batch_check_code(pb)
        for r in pb.rows:
            rows.append([b.batch_id, b.programme, policy.name if policy else b.programme, period_label(b.period),
                         b.publicity_start.isoformat(), b.publicity_end.isoformat(), code, r.seq, *r.text])
    return rows


def _village_files(shared: tuple, job) -> tuple[bytes, bytes]:
    """The CSV and JSON of one village's published lists (in a worker of fork_map).  The rows of a
    batch in `kept` are copied as text from the village's files in the last build (`old`), neither
    read from the spill nor encoded again."""
    village, version, _paths, _key, old, kept = job
    sd, by_village, check_codes = shared
    pbs = by_village[village]
    ordered = sorted(pbs, key=lambda pb: (pb.batch.publicity_start, pb.batch.batch_id), reverse=True)
    old_csv, old_json = old_chunks(old) if kept else ({}, {})
    csv_parts, json_parts = [], []
    for pb in ordered:
        bid = pb.batch.batch_id
        if bid in kept and bid in old_csv and bid in old_json:
            csv_parts.append(old_csv[bid])
            json_parts.append(old_json[bid])
        else:
            rows = village_rows(sd, [pb], check_codes)
            csv_parts.append(csv_chunk(rows))
            json_parts.append(json_chunk([dict(zip(VILLAGE_COLUMNS, r)) for r in rows]))
    return village_files(village, sd.ds.regions[village].name, version, csv_parts, json_parts)


# A village's CSV and JSON are made of one chunk of text per batch, in the files' order (newest
# first), so that a new batch's build copies the other batches' chunks from the last files as they
# are (old_chunks): the same bytes as encoding all rows again (tests/site/test_downloads.py).
_CSV_HEAD = "\ufeff" + ",".join(VILLAGE_COLUMNS) + "\r\n"  # no column name needs quoting
_JSON_RECORD = re.compile(r'(?:^|\n)  \{\n   "%s": "([^"\\]*)",' % VILLAGE_COLUMNS[0])
_JSON_TAIL = "\n ]\n}\n"


def csv_chunk(rows) -> str:
    """Rows as csv_bytes writes them, without the header."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        w.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def json_chunk(records: list[dict]) -> str:
    """Records as _json writes them inside the file's 记录 list (one level deeper), without the
    list's brackets; "" for none."""
    if not records:
        return ""
    text = json.dumps(records, ensure_ascii=False, indent=1)
    return " " + text[2:-2].replace("\n", "\n ")  # "[\n" … "\n]" off; JSON text holds no raw newline


def village_files(village: str, name: str, version: dict, csv_parts: list[str], json_parts: list[str]) -> tuple[bytes, bytes]:
    """A village's CSV and JSON from its batches' chunks: the bytes of csv_bytes and _json of all rows."""
    head = json.dumps({"区划代码": village, "名称": name, "数据版本": version, "记录": []}, ensure_ascii=False, indent=1)
    records = ",\n".join(part for part in json_parts if part)
    body = head[:-len("[]\n}")] + ("[\n" + records + _JSON_TAIL if records else "[]\n}\n")
    return (_CSV_HEAD + "".join(csv_parts)).encode("utf-8"), body.encode("utf-8")


def old_chunks(old: tuple[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """A village's last CSV and JSON cut into the chunks of their batches (the first column of both),
    or nothing where a file is not as village_files writes it."""
    try:
        with open(old[0], encoding="utf-8", newline="") as f:
            csv_text = f.read()
        with open(old[1], encoding="utf-8", newline="") as f:
            json_text = f.read()
    except (OSError, ValueError):
        return {}, {}
    if not csv_text.startswith(_CSV_HEAD) or '"' in csv_text:
        return {}, {}  # a quoted cell may hold a line break: those villages are encoded again
    by_csv: dict[str, str] = {}
    lines = csv_text[len(_CSV_HEAD):].split("\r\n")
    if lines.pop() != "":
        return {}, {}
    run: list[str] = []
    for i, line in enumerate(lines):
        bid = line.partition(",")[0]
        run.append(line)
        if i + 1 == len(lines) or not lines[i + 1].startswith(bid + ","):
            if bid in by_csv:
                return {}, {}  # a batch's rows not in one run
            by_csv[bid] = "\r\n".join(run) + "\r\n"
            run = []
    start = json_text.find('\n "记录": [\n')
    if start < 0 or not json_text.endswith(_JSON_TAIL):
        return {}, {}
    body = json_text[start + len('\n "记录": [\n'):-len(_JSON_TAIL)]
    by_json: dict[str, str] = {}
    marks = [(m.start() + (m.group(0)[0] == "\n"), m.group(1)) for m in _JSON_RECORD.finditer(body)]
    if not marks or marks[0][0] != 0 or len(marks) != body.count("\n  {\n") + 1:
        return {}, {}
    firsts = [i for i, (_at, bid) in enumerate(marks) if i == 0 or marks[i - 1][1] != bid]
    for n, i in enumerate(firsts):
        at, bid = marks[i]
        end = marks[firsts[n + 1]][0] - len(",\n") if n + 1 < len(firsts) else len(body)
        if bid in by_json:
            return {}, {}  # a batch's records not in one run
        by_json[bid] = body[at:end]
    return by_csv, by_json


def write_downloads(sd: SiteData, by_village: dict, check_codes: dict | None = None) -> int:
    ctx, w = sd.ctx, sd.ctx.writer
    rows = policy_rows(sd)
    base = urls.policy_list()
    version = ctx.version_of()  # the base files: policies.csv
    # Taken from the last build when made of the same (a new batch does not change them; the
    # workbook alone took 0.4 s, openpyxl's import included).
    key = input_key("policy-list", POLICY_COLUMNS, rows, version)
    for name, make in (
            ("zhengce.csv", lambda: csv_bytes(POLICY_COLUMNS, rows)),
            ("zhengce.xlsx", lambda: xlsx_bytes("政策清单", POLICY_COLUMNS, rows, version.built_at)),
            ("zhengce.json", lambda: _json({"数据版本": version.as_dict(),
                                            "政策清单": [dict(zip(POLICY_COLUMNS, r)) for r in rows]}))):
        rel = ctx.site_path(base + name)
        if not w.reuse(rel, key):
            w.write_bytes(rel, make())
            w.note_key(rel, key)
    count = 3
    # What a batch's rows in a village's files are made of: its files and its policy.  A batch whose
    # rows are what they were in the last build (its key is the one the last build kept) is copied
    # from the village's last files; only new or changed batches are read.
    facts = {}
    for pbs in by_village.values():
        for pb in pbs:
            b = pb.batch
            if b.batch_id not in facts:
                facts[b.batch_id] = input_key("download-rows", b.batch_id, ctx.batch_key(b),
                                              sd.ds.policy_for(b.programme, b.year))
    last = w.last_memo.get(MEMO) or {}
    w.memo[MEMO] = facts
    todo = []
    for village, pbs in sorted((v, pbs) for v, pbs in by_village.items() if pbs):
        version = ctx.version_of(sorted({pb.batch.batch_id for pb in pbs})).as_dict()
        paths = [ctx.site_path(urls.village_download(village, kind)) for kind in ("csv", "json")]
        # Made of the batches' files (and their policies): unchanged ones are taken from the last build.
        key = input_key("village-download", village, sd.ds.regions[village].name, version,
                        sorted(facts[pb.batch.batch_id] for pb in pbs))
        count += 2
        if all([w.reuse(p, key) for p in paths]):
            continue
        old = w.previous_file(paths[0]), w.previous_file(paths[1])
        kept = frozenset(pb.batch.batch_id for pb in pbs if last.get(pb.batch.batch_id) == facts[pb.batch.batch_id])
        todo.append((village, version, paths, key, old, kept if all(old) else frozenset()))
    ctx.timed("  site: download keys")
    # Reading a village's records and writing its CSV and JSON is the longest step of a province's
    # full build (46,000 villages): done in one process per CPU, written here in village order.
    for (village, _version, paths, key, _old, _kept), files in zip(todo, fork_map(_village_files, todo, (sd, by_village, check_codes),
                                                                               chunksize=16)):
        for path, data in zip(paths, files):
            if path not in w.reused:
                w.write_bytes(path, data)
                w.note_key(path, key)
    return count


#: Writer.memo: the key of each batch's rows in the village files (write_downloads).
MEMO = "download-rows"
