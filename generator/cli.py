"""Command line: the only place that turns domain errors into messages and exit codes.

    python -m generator check   [--data DIR] [FILES...]
    python -m generator ingest  RAW.csv|RAW.xlsx --programme CODE --period 期号 [...]
    python -m generator ingest-reference FILE --kind 死亡人员|财政供养人员|残疾人证|在校学生 [--keyed]
    python -m generator screen  [--batch ID ...] [--year YYYY] [--out DIR] [--summary]
    python -m generator build   [--data DIR] [--out DIR] [--full]
    python -m generator posters [--region CODE] [--size A4|A3] [--data DIR] [--out DIR]
    python -m generator serve   [--host 127.0.0.1] [--port 8000] [--out DIR]
    python -m generator diff    [BASE] [HEAD] [--format md|html] [--out FILE] [--data-dir DIR]
    python -m generator guard   FILE_OR_DIR...
    python -m generator staff   add USER --department 部门 --region 区划代码 | list | passwd USER | disable USER | enable USER
    python -m generator cases   migrate | keygen | rekey [--batch N]
    python -m generator sms-names [--data DIR] [--out DIR]
    python -m generator console [--repo DIR] [--port N] [--no-browser] [--site URL]

The console script ``huinong`` is the same program.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from huinong_core.errors import DataError, HuinongError, KeyConfigError, ParseError, PrivacyError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
#: screen: nothing found / findings / errors (a list keyed with another key, bad rules, no key).
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERRORS = 0, 1, 2


def _print_problems(problems, stream=None, limit: int | None = None) -> None:
    stream = stream or sys.stdout
    shown = problems if limit is None else problems[:limit]
    for p in shown:
        print(p, file=stream)
    if limit is not None and len(problems) > limit:
        print(f"……另有 {len(problems) - limit} 个问题未显示", file=stream)


def cmd_check(args) -> int:
    from generator.check import batches_of, check

    data_dir = Path(args.data)
    started = time.perf_counter()
    only = batches_of(data_dir, args.files) if args.files else None
    # Paths in messages are relative to the working directory when data/ is under it.
    dataset, problems = check(data_dir, base=Path.cwd() if data_dir.resolve().is_relative_to(Path.cwd()) else None,
                              only_batches=only)
    if problems:
        _print_problems(problems, limit=args.max)
        print(f"检查未通过：共 {len(problems)} 个问题。")
        return EXIT_PROBLEMS
    print(f"检查通过：{len(dataset.regions)} 个区划，{len(dataset.policies)} 条政策，"
          f"{len(dataset.documents)} 份文件，{len(dataset.procedures)} 个办事流程，{len(dataset.services)} 个服务网点，"
          f"{len(dataset.batches)} 个批次，{dataset.record_count} 条发放记录，{len(dataset.notices)} 条通知"
          f"（{time.perf_counter() - started:.1f} 秒）。")
    _screen_in_check(dataset, data_dir)
    return EXIT_OK


def _screen_in_check(dataset, data_dir: Path) -> None:
    """When reference lists are present, screen and print the counts as warnings.

    Findings are facts about money already paid, not faults in data/: they do not
    fail `check` (staff follow them up from the `screen` report).  Without lists
    this costs one directory lookup.
    """
    from collections import Counter

    from generator.screening import RulesError, screen

    try:
        found = screen(data_dir, dataset=dataset, only_with_lists=True, base=Path.cwd())
    except KeyConfigError as e:
        print(f"提示：发现比对名单，但未能比对（{e}）")
        return
    except RulesError:
        return  # its problems were reported by check itself
    if found is None:
        return
    outcome = found.outcome
    for p in outcome.problems:
        print(f"提示：{p}")
    if outcome.findings:
        per_rule = Counter(f.rule for f in outcome.findings)
        detail = "，".join(f"{r} {n} 条" for r, n in per_rule.items())
        print(f"提示：大数据比对筛查发现 {len(outcome.findings)} 条疑点（{detail}），不影响检查结果；"
              "运行 python -m generator screen 生成内部核查报告。")
    else:
        print(f"大数据比对筛查：比对 {outcome.screened} 条发放记录，未发现疑点。")


def cmd_guard(args) -> int:
    from generator.guard import guard

    refusals = guard([Path(p) for p in args.paths], relative_to=Path.cwd())
    if refusals:
        for r in refusals[:200]:
            print(r, file=sys.stderr)
        files = len({r.path.split("[")[0] for r in refusals})
        print(f"已拒绝：{files} 个文件含有个人信息或密钥，不能提交或发布。原始导出文件请用 ingest 导入；"
              "误加的文件用 git restore --staged 文件名 取消暂存。", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def _date(text: str) -> dt.date:
    from huinong_core.normalize import parse_date

    try:
        return parse_date(text)
    except ParseError as e:
        raise argparse.ArgumentTypeError(f"{e.message}（期望{e.expected}）") from None


def cmd_ingest(args) -> int:
    from generator.ingest import UnusableDataDir, ingest_into
    from huinong_core.keys import load_key

    keyer = load_key()  # refuse to run without a key, before reading anything
    try:
        result = ingest_into(
            Path(args.data), Path(args.raw), args.programme, args.period, keyer,
            out_dir=Path(args.out) if args.out else None, county=args.county,
            payer=args.payer, publicity_start=args.start, publicity_end=args.end, phone=args.phone,
            skip_bad=args.skip_bad, replace=args.replace, report_dir=Path(args.report_dir), shown_path=args.raw,
        )
    except UnusableDataDir as e:
        _print_problems(e.problems, stream=sys.stderr, limit=20)
        print("数据目录有错误，无法导入；请先运行 check 修正。", file=sys.stderr)
        return EXIT_PROBLEMS
    if result.skipped:
        print(f"已跳过 {len(result.skipped)} 行错误数据（--skip-bad）：", file=sys.stderr)
        _print_problems(result.skipped, stream=sys.stderr, limit=args.max)
    print(f"已导入批次 {result.batch_id}：{result.records} 条记录（文件编码 {result.encoding}），写入 {result.batch_dir}")
    if result.dropped_columns:
        print("未保存的列：" + "、".join(result.dropped_columns))
    if result.report:
        kinds: dict[str, int] = {}
        for c in result.checks:
            kinds[c.kind] = kinds.get(c.kind, 0) + 1
        detail = "，".join(f"{k} {n} 条" for k, n in kinds.items()) or "未发现问题"
        print(f"核查报告（内部，勿公开）：{result.report[0]}（{detail}）")
    return EXIT_OK


def cmd_ingest_reference(args) -> int:
    from huinong_core.keys import load_key
    from generator.reference import ingest_reference, private_dir

    keyer = load_key()
    private = Path(args.private) if args.private else private_dir(args.data)
    result = ingest_reference(Path(args.raw), args.kind, keyer, private, name=args.name,
                              keyed=True if args.keyed else None, fingerprint=args.fingerprint,
                              skip_bad=args.skip_bad, replace=args.replace, shown_path=args.raw)
    if result.skipped:
        print(f"已跳过 {len(result.skipped)} 个错误（--skip-bad）：", file=sys.stderr)
        _print_problems(result.skipped, stream=sys.stderr, limit=args.max)
    source = "已加密的人员键" if result.keyed_input else "身份证号（已转换为人员键，未保存明文）"
    print(f"已导入名单 {result.kind}/{result.name}：{result.rows} 条（文件编码 {result.encoding}，原始内容 {source}），"
          f"写入 {result.path}（内部文件，不会发布）")
    if result.dropped_columns:
        print("未保存的列：" + "、".join(result.dropped_columns))
    print(f"密钥指纹：{keyer.fingerprint()}")
    return EXIT_OK


def cmd_screen(args) -> int:
    from collections import Counter

    from generator.screening import SUMMARY_FILE, RulesError, screen

    started = time.perf_counter()
    data_dir = Path(args.data)
    try:
        found = screen(data_dir, private=Path(args.private) if args.private else None,
                       rules_path=Path(args.rules) if args.rules else None, years=args.year, batch_ids=args.batch,
                       base=Path.cwd())
    except RulesError as e:
        if not e.problems:
            print(f"错误：缺少筛查规则文件 {e.path}（见 data/README.md“大数据比对筛查”）。", file=sys.stderr)
            return EXIT_ERRORS
        _print_problems(e.problems, stream=sys.stderr, limit=args.max)
        print("筛查规则有错误，未进行比对。", file=sys.stderr)
        return EXIT_ERRORS
    outcome, lists = found.outcome, found.lists
    if not lists.lists and not lists.problems:  # no list file at all (each gives a list or a problem)
        print(f"提示：{found.private} 中没有比对名单，只进行不需要名单的比对（如跨县重复领取）。", file=sys.stderr)
    generated = time.strftime("%Y-%m-%d %H:%M")
    html_path, csv_path = found.report(Path(args.out), generated)
    for r, why in outcome.skipped_rules:
        print(f"未比对：规则“{r.name}”（{why}）", file=sys.stderr)
    per_rule = Counter(f.rule for f in outcome.findings)
    print(f"比对 {outcome.screened} 条发放记录，使用名单 {len(lists.lists)} 份，发现疑点 {len(outcome.findings)} 条"
          f"（{time.perf_counter() - started:.1f} 秒）。")
    for r in found.rules.rules:
        if per_rule.get(r.name):
            print(f"  {r.name}：{per_rule[r.name]} 条")
    print(f"内部核查报告（不得公开）：{html_path}、{csv_path}")
    if args.summary is not None:
        path = found.summary(Path(args.summary) if args.summary else data_dir / SUMMARY_FILE, generated)
        print(f"公开汇总（按县、年度、规则的疑点数，不足5条不公布）：{path}")
    if outcome.problems:
        for p in outcome.problems:
            print(p, file=sys.stderr)
        print(f"比对不完整：{len(outcome.problems)} 个问题（见上），以上结果不能当作“未发现疑点”。", file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_FINDINGS if outcome.findings else EXIT_CLEAN


def cmd_build(args) -> int:
    from generator.pipeline import build
    from lookup_api.cases.figures import read_figures  # the cases service's figures for 咨询投诉统计

    summary = build(Path(args.data), Path(args.out), full=args.full, case_figures=read_figures)
    print(summary.report())
    return EXIT_OK


def cmd_posters(args) -> int:
    from generator.posters.cli import make_posters

    print(make_posters(Path(args.data), Path(args.out), region=args.region, sizes=tuple(args.size or ["A4"])))
    return EXIT_OK


def cmd_serve(args) -> int:
    """The site and the lookup API in one process (uvicorn)."""
    import os

    import uvicorn

    from lookup_api.config import get_settings
    from lookup_api.main import create_app

    out = Path(args.out)
    os.environ.setdefault("LOOKUP_DB", str(out / "lookup.sqlite"))
    os.environ.setdefault("LOOKUP_SITE_DIR", str(out / "site"))
    app = create_app(get_settings())  # KeyConfigError (no key) is reported by main()
    print(f"网站和查询服务：http://{args.host}:{args.port}/  （接口文档 /api/docs，按 Ctrl+C 停止）")
    print(f"咨询投诉：http://{args.host}:{args.port}/zixun/  工作人员：http://{args.host}:{args.port}/staff/"
          "（账号用 python -m generator staff add 创建）")
    # No access log: it would hold client addresses; the API writes its own audit line per query.
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, server_header=False,
                proxy_headers=False, log_level="warning")
    return EXIT_OK


def cmd_diff(args) -> int:
    from decimal import Decimal, InvalidOperation

    from generator.diff import diff, render
    from generator.pipeline import build_date

    try:
        share = Decimal(args.max_change.rstrip("%")) / (100 if args.max_change.endswith("%") else 1)
    except InvalidOperation:
        print(f"错误：--max-change 不是数字（{args.max_change}），期望如 0.1 或 10%", file=sys.stderr)
        return EXIT_USAGE
    report = diff(Path(args.data_dir), args.base, args.head, today=args.date or build_date(), max_share=share)
    text = render(report, args.format, limit=args.limit)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"变更报告已写入 {out}：{len(report.batches)} 个批次、{len(report.policies)} 处政策清单变化，"
              f"{len(report.warnings)} 条需要注意。")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _cases_store():
    from lookup_api.cases.store import Store
    from lookup_api.config import get_settings

    return Store(get_settings().cases_url())


def _read_password(args, confirm: bool = True) -> str:
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("密码：")
    if confirm and getpass.getpass("再输一次：") != password:
        from lookup_api.cases.auth import AccountError

        raise AccountError("两次输入的密码不一样。")
    return password


def cmd_staff(args) -> int:
    """Staff accounts of the 咨询与投诉 pages (the database of CASES_DATABASE_URL / LOOKUP_CASES_DB)."""
    from lookup_api.cases import auth

    store = _cases_store()
    try:
        if args.action == "add":
            user = auth.add_staff(store, args.username, _read_password(args), args.name or args.username,
                                  args.department or [], args.region or [])
            print(f"已创建工作人员账号 {user.username}：部门 {'、'.join(user.departments)}，区划 {' '.join(user.regions)}。")
        elif args.action == "list":
            for user, active in auth.list_staff(store):
                print(f"{user.username}\t{user.display_name}\t{'/'.join(user.departments)}\t{' '.join(user.regions)}"
                      f"\t{'启用' if active else '停用'}")
        elif args.action == "passwd":
            auth.set_password(store, args.username, _read_password(args))
            print(f"已修改 {args.username} 的密码（已登录的会话全部失效）。")
        elif args.action in ("disable", "enable"):
            auth.set_active(store, args.username, args.action == "enable")
            print(f"已{'启用' if args.action == 'enable' else '停用'} {args.username}。")
    finally:
        store.dispose()
    return EXIT_OK


def cmd_cases(args) -> int:
    if args.action == "keygen":
        from cryptography.fernet import Fernet

        print(Fernet.generate_key().decode())
        return EXIT_OK
    if args.action == "rekey":
        return _cases_rekey(args)
    from lookup_api.cases.store import current_revision

    store = _cases_store()  # upgrades to the latest migration
    print(f"咨询投诉数据库已是最新结构（{current_revision(store.engine)}）。")
    store.dispose()
    return EXIT_OK


def _cases_rekey(args) -> int:
    """After a key rotation: every encrypted value under the first key of CASES_FERNET_KEY(_FILE)."""
    from lookup_api.cases.rekey import rekey
    from lookup_api.config import get_settings

    if args.batch < 1:
        print("错误：--batch 至少为 1。", file=sys.stderr)
        return EXIT_USAGE
    cipher = get_settings().contact_cipher()  # KeyConfigError: no key, or the demo key outside demo mode
    store = _cases_store()

    def progress(done) -> None:
        print(f"……已检查 {done.cases} 件，重新加密 {done.rewritten} 件", file=sys.stderr)

    try:
        done = rekey(store, cipher, batch=args.batch, after_batch=progress if args.progress else None)
    finally:
        store.dispose()
    print(f"已检查 {done.cases} 件（{done.batches} 批，每批一个事务），用第一个密钥重新加密了 {done.rewritten} 件的 "
          f"{done.values} 项内容；其余已经是第一个密钥加密的。")
    if done.unreadable:
        shown = "、".join(done.unreadable[:20]) + (f" 等 {len(done.unreadable)} 件" if len(done.unreadable) > 20 else "")
        print(f"有 {len(done.unreadable)} 件的内容用现有的任何密钥都无法解密，未改动：{shown}。"
              "请把加密它们的旧密钥加回 CASES_FERNET_KEY（放在新密钥之后）再运行一次；在此之前不要删去任何旧密钥。",
              file=sys.stderr)
        return EXIT_PROBLEMS
    print("全部内容都已是第一个密钥加密：旧密钥可以从 CASES_FERNET_KEY（或密钥文件）中删去，删去后重启查询服务。")
    return EXIT_OK


def cmd_sms_names(args) -> int:
    from generator.sms import write_exports

    for path in write_exports(Path(args.data), Path(args.out)):
        print(f"已写入 {path}")
    return EXIT_OK


def cmd_console(args) -> int:
    """The 工作台 in the clerk's browser (generator/console/): loopback only, a token in the URL."""
    from generator.console.server import ConsoleServer, NotLoopback

    try:
        server = ConsoleServer(Path(args.repo), host=args.host, port=args.port, site_url=args.site)
    except NotLoopback as e:
        print(f"错误：{e}", file=sys.stderr)
        return EXIT_USAGE
    if server.console.key_problem:
        print(f"提示：未找到密钥，工作台不能导入（{server.console.key_problem}）", file=sys.stderr, flush=True)

    def started() -> None:
        print(f"工作台已启动。请在浏览器中打开下面的链接（链接中含本次的口令，不要发给别人）：\n\n    {server.url}\n\n"
              "关闭工作台：在这个窗口按 Ctrl+C。", flush=True)
        if not args.no_browser:
            server.open_browser()

    server.run(when_started=started)
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m generator", description="惠民惠农财政补贴“一卡通”公开专栏生成工具")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="检查 data/ 中的全部数据，列出所有问题")
    p.add_argument("--data", default="data", help="数据目录（默认 data）")
    p.add_argument("--max", type=int, default=None, help="最多显示多少个问题")
    p.add_argument("files", nargs="*", help="只检查这些文件所在的批次（提交前检查用；政策清单等其他文件有变化时仍检查全部）")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("guard", help="拒绝含明文身份证号、卡号、手机号的文件和密钥文件（提交前检查、发布前检查）")
    p.add_argument("paths", nargs="+", help="文件或目录")
    p.set_defaults(func=cmd_guard)

    p = sub.add_parser("ingest", help="导入“一卡通”系统导出的原始发放明细，生成脱敏批次")
    p.add_argument("raw", help="原始导出文件（CSV：UTF-8/GBK/GB18030；或 Excel .xlsx 的第一个工作表）")
    p.add_argument("--programme", required=True, help="项目编码，如 NY001")
    p.add_argument("--period", required=True, help="期号，如 2024、2024Q2、2024-03")
    p.add_argument("--out", help="批次目录（默认 data/payments/<年度>/<批次号>）")
    p.add_argument("--data", default="data", help="数据目录（默认 data）")
    p.add_argument("--county", help="县级区划代码（原始文件只有乡镇、村名称且重名时需要）")
    p.add_argument("--payer", help="发放单位（默认 县名+主管部门）")
    p.add_argument("--start", type=_date, help="公示开始日期（默认最后发放日期的次日）")
    p.add_argument("--end", type=_date, help="公示结束日期（默认公示开始后10天）")
    p.add_argument("--phone", help="监督电话（默认 site.yaml 的监督电话）")
    p.add_argument("--skip-bad", action="store_true", help="跳过错误行，只导入正确的行")
    p.add_argument("--replace", action="store_true", help="替换已存在的同一批次（更正数据时用）")
    p.add_argument("--report-dir", default="reports", help="核查报告目录（默认 reports，不会发布）")
    p.add_argument("--max", type=int, default=200, help="最多显示多少个问题")
    p.set_defaults(func=cmd_ingest)

    from generator.reference import KINDS_ORDER

    p = sub.add_parser("ingest-reference", help="导入其他部门的比对名单（死亡、财政供养、残疾人证、在校学生），只保存人员键")
    p.add_argument("raw", help="部门导出的名单文件（CSV：UTF-8/GBK/GB18030；或 Excel .xlsx 的第一个工作表）")
    p.add_argument("--kind", required=True, choices=KINDS_ORDER, help="名单类型")
    p.add_argument("--keyed", action="store_true", help="名单已由提供部门用同一密钥加密（有“人员键”列，没有身份证号）；不写时按表头自动判断")
    p.add_argument("--fingerprint", help="已加密名单的密钥指纹（名单中没有“密钥指纹”列时必填）")
    p.add_argument("--name", help="名单名称（默认用文件名）")
    p.add_argument("--data", default="data", help="数据目录（默认 data；名单保存在其中的 private/）")
    p.add_argument("--private", help="内部目录（默认 data/private 或环境变量 HUINONG_PRIVATE_DIR）")
    p.add_argument("--skip-bad", action="store_true", help="跳过错误行，只导入正确的行")
    p.add_argument("--replace", action="store_true", help="替换已存在的同名名单")
    p.add_argument("--max", type=int, default=200, help="最多显示多少个问题")
    p.set_defaults(func=cmd_ingest_reference)

    p = sub.add_parser("screen", help="大数据比对筛查：用比对名单检查发放记录，生成内部核查报告（退出码 0 无疑点，1 有疑点，2 出错）")
    p.add_argument("--batch", action="append", help="只比对这些批次（可写多次）")
    p.add_argument("--year", type=int, action="append", help="只比对这些年度（可写多次）")
    p.add_argument("--data", default="data", help="数据目录（默认 data）")
    p.add_argument("--private", help="名单所在的内部目录（默认 data/private 或环境变量 HUINONG_PRIVATE_DIR）")
    p.add_argument("--rules", help="筛查规则文件（默认 data/screening.yaml）")
    p.add_argument("--out", default="reports", help="报告目录（默认 reports，不会发布）")
    p.add_argument("--summary", nargs="?", const="", default=None,
                   help="同时写公开汇总 JSON（默认 data/screening_summary.json；只有按县、年度、规则的数字）")
    p.add_argument("--max", type=int, default=200, help="最多显示多少个问题")
    p.set_defaults(func=cmd_screen)

    p = sub.add_parser("build", help="从 data/ 生成公开网站和查询数据库")
    p.add_argument("--data", default="data")
    p.add_argument("--out", default="public")
    p.add_argument("--full", action="store_true",
                   help="完整构建：不沿用上次构建的结果，全部重新生成（默认只重新生成输入有变化的部分）")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("posters", help="生成公示栏海报（PDF）：政策清单、发放名单公示、乡镇合订本")
    p.add_argument("--region", help="只生成该区划（县、乡镇或村）的海报，含全部已公开批次；不填则同 build（近期批次）")
    p.add_argument("--size", action="append", choices=["A4", "A3"], help="纸张大小，默认 A4；可写两次")
    p.add_argument("--data", default="data")
    p.add_argument("--out", default="posters", help="输出目录（默认 posters）")
    p.set_defaults(func=cmd_posters)

    p = sub.add_parser("serve", help="在本机提供网站和个人查询服务")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--out", default="public", help="构建输出目录（默认 public）")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("diff", help="比较两个 git 版本的数据，报告公开内容的变化（供审核）")
    p.add_argument("base", nargs="?", default="HEAD", help="变更前的版本（默认 HEAD，即最近一次提交）")
    p.add_argument("head", nargs="?", default=None, help="变更后的版本（默认工作区中尚未提交的文件）")
    p.add_argument("--format", choices=["md", "html"], default="md", help="md（合并请求评论）或 html")
    p.add_argument("--out", help="写入文件（默认输出到屏幕）")
    p.add_argument("--data-dir", default="data", help="数据目录（默认 data）")
    p.add_argument("--date", type=_date, help="按哪一天比较公开内容（默认今天，与 build 相同）")
    p.add_argument("--max-change", default="0.1", help="批次金额变化超过多少提示（默认 0.1，即 10%%）")
    p.add_argument("--limit", type=int, default=200, help="每个批次最多列出多少条记录变化（默认 200）")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("staff", help="咨询投诉工作人员账号：add 新建、list 列出、passwd 改密码、disable 停用、enable 启用")
    p.add_argument("action", choices=["add", "list", "passwd", "disable", "enable"])
    p.add_argument("username", nargs="?", default="", help="用户名（小写字母、数字）")
    p.add_argument("--name", help="显示的姓名或称呼")
    p.add_argument("--department", action="append",
                   help="部门，如 民政局；可写多次；* 表示全部部门（如财政局“一卡通”办公室）")
    p.add_argument("--region", action="append", help="12位区划代码（县级、乡镇级或市级）；可写多次")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读密码（脚本用），否则提示输入")
    p.set_defaults(func=cmd_staff)

    p = sub.add_parser("cases", help="咨询投诉数据库：migrate 升级结构，keygen 生成联系方式加密密钥，"
                                     "rekey 更换密钥后用新密钥重新加密已保存的内容")
    p.add_argument("action", choices=["migrate", "keygen", "rekey"])
    p.add_argument("--batch", type=int, default=500, help="rekey：每批（每个事务）处理多少件（默认 500）")
    p.add_argument("--progress", action="store_true", help="rekey：每批完成后显示进度")
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser("sms-names", help="导出给代发银行的到账短信项目名称（CSV 和 JSON）")
    p.add_argument("--data", default="data")
    p.add_argument("--out", default="exports", help="输出目录（默认 exports）")
    p.set_defaults(func=cmd_sms_names)

    p = sub.add_parser("console", help="工作台：在本机浏览器中导入发放名单、发布通知、检查、提交（只在 127.0.0.1 上运行）")
    p.add_argument("--repo", default=".", help="项目目录（含 data 目录，默认当前目录）")
    p.add_argument("--host", default="127.0.0.1", help="只能是 127.0.0.1 或 localhost")
    p.add_argument("--port", type=int, default=0, help="端口（默认自动选择空闲端口）")
    p.add_argument("--no-browser", action="store_true", help="不自动打开浏览器，只显示链接")
    p.add_argument("--site", help="网站地址，如 https://yikatong.example.gov.cn（“状态”页显示网站上现在的数据版本；"
                                  "默认取环境变量 HUINONG_SITE_URL）")
    p.set_defaults(func=cmd_console)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except DataError as e:
        _print_problems(e.problems, stream=sys.stderr, limit=getattr(args, "max", None))
        print(f"未写入任何文件：共 {len(e.problems)} 个问题。", file=sys.stderr)
        return EXIT_PROBLEMS
    except PrivacyError as e:
        for f in e.findings[:50]:
            print(f, file=sys.stderr)
        print(f"隐私检查未通过：发现 {len(e.findings)} 处疑似个人信息，未发布任何内容。", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyConfigError as e:
        print(f"密钥错误：{e}", file=sys.stderr)
        return EXIT_USAGE
    except HuinongError as e:
        print(f"错误：{e}", file=sys.stderr)
        return EXIT_PROBLEMS
