"""Posters (issue 6): real PDFs rendered to PNG, QR codes decoded, text compared with the public view."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.checkcode import batch_check_code, policy_poster_check_code
from generator.cli import main
from generator.pipeline import build
from generator.posters.fonts import ENV_FONT, FontError, poster_font
from generator.privacy import scan_paths
from generator.public import public_view
from generator.check import check
from generator.village_info import VillageInfos
from huinong_core import site_files, urls
from tests.helpers import independent_pii_scan
from tests.golden import TINY_PEOPLE

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils (scripts/system-deps.sh test)")

EPOCH = "1718928000"  # 2024-06-21: the tiny batch's 公示期 (2024-06-11..21) is running
TODAY = dt.date(2024, 6, 21)
SITE = "https://yikatong.example.gov.cn"
TOWNSHIP = "410421100000"
VILLAGE = "410421100202"  # 张庄村: three rows, one failed and paid again
BATCH = "410421-NY001-2024"


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def text_of(pdf: Path, *extra: str) -> str:
    return run("pdftotext", "-enc", "UTF-8", *extra, str(pdf), "-")


def png(pdf: Path, tmp: Path, dpi: int, page: int = 1):
    from PIL import Image

    prefix = tmp / f"{pdf.stem}-{dpi}-{page}"
    run("pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile", str(pdf), str(prefix))
    return Image.open(f"{prefix}.png")


def qr_texts(image) -> set[str]:
    import zxingcpp

    return {r.text for r in zxingcpp.read_barcodes(image)}


@pytest.fixture(scope="module")
def posters(tmp_path_factory) -> Path:
    """Every poster of 城关镇 in the tiny data set, A4 and A3, made through the CLI function."""
    from generator.posters.cli import make_posters

    tmp = tmp_path_factory.mktemp("posters")
    shutil.copytree(Path(__file__).resolve().parents[1] / "fixtures/tiny/data", tmp / "data")
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        make_posters(tmp / "data", tmp / "out", region=TOWNSHIP, sizes=("A4", "A3"), workers=1)
    finally:
        mp.undo()
    return tmp / "out"


@pytest.fixture(scope="module")
def tiny_view(posters: Path):
    ds, problems = check(posters.parent / "data")
    assert not problems
    return ds, public_view(ds, TODAY)


def poster(out: Path, village: str, kind: str, size: str = "A4") -> Path:
    return out / urls.poster_file(village, kind, size)


def test_policy_poster_qr_codes_point_at_the_village_page_and_the_lookup(posters: Path, tmp_path: Path):
    image = png(poster(posters, VILLAGE, "zhengce"), tmp_path, 150)
    assert qr_texts(image) == {f"{SITE}/diqu/{VILLAGE}/", f"{SITE}/chaxun/"}


def test_qr_codes_scan_small_and_blurred(posters: Path, tmp_path: Path):
    """The 4 cm code printed at 3 cm and photographed badly: ~75 px for 37 modules, blurred, low contrast."""
    from PIL import ImageEnhance, ImageFilter

    for kind, expected in (("zhengce", f"{SITE}/chaxun/"), (BATCH, urls.absolute(SITE, urls.village_batch(VILLAGE, BATCH)))):
        image = png(poster(posters, VILLAGE, kind), tmp_path, 150).convert("L")
        small = image.resize((image.width * 3 // 8, image.height * 3 // 8))  # 150 dpi * 3/4 (3 cm) / 2 (photo)
        worse = ImageEnhance.Contrast(small.filter(ImageFilter.GaussianBlur(0.8))).enhance(0.5)
        assert expected in qr_texts(worse), kind


def test_policy_poster_lists_programmes_and_where_to_ask(posters: Path, tiny_view):
    ds, _ = tiny_view
    text = text_of(poster(posters, VILLAGE, "zhengce"))
    flat = re.sub(r"\s+", "", text)
    for name in ("耕地地力保护补贴", "耕地轮作休耕补助", "孤儿基本生活费", "高龄津贴"):
        assert name in flat
    assert "每人每月50元起" in flat and "每人每月60元起" not in flat  # 高龄津贴: the row in force in 2024
    assert "短信名：民政补助" in flat  # protected programme listed like the others
    assert "这项补贴不公布领取人名单" in flat
    assert "城关镇便民服务中心“一卡通”窗口" in flat and "中国农业银行城关网点" in flat
    assert "周一至周日9:00-17:00" in flat
    assert "监督举报电话：0375-2661234" in flat
    assert "yikatong.example.gov.cn/diqu/410421100202" in flat and "yikatong.example.gov.cn/chaxun" in flat
    code = policy_poster_check_code(VillageInfos(ds).of(VILLAGE, TODAY.year))
    assert f"核对码{code}" in flat
    other = policy_poster_check_code(VillageInfos(ds).of("410425101201", TODAY.year))
    assert other != code  # 大刘庄村 (郏县): no 轮作休耕, another township


def _printed_rows(text: str) -> list[list[str]]:
    row = re.compile(r"^\s*(\d+)\s+(\S+)\s+(\S{4})\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d{4}-\d\d-\d\d)\s+(\S+)\s*$")
    return [list(m.groups()) for m in map(row.match, text.splitlines()) if m]


def test_publicity_poster_rows_equal_the_public_view(posters: Path, tiny_view, tmp_path: Path):
    ds, view = tiny_view
    for pb in view.batches:
        pdf = poster(posters, pb.village, pb.batch.batch_id)
        text = text_of(pdf, "-layout")
        expected = [[str(r.seq), r.name, "耕地地力", format(r.quantity, "f"), f"{r.standard:.2f}", f"{r.amount:.2f}",
                     r.date.isoformat(), r.status] for r in pb.rows]
        assert _printed_rows(text) == expected
        flat = re.sub(r"\s+", "", text)
        assert "公示期：2024年6月11日至6月21日" in flat
        assert "监督举报电话：0375-2661234" in flat and "宝丰县城关镇人民政府便民服务中心一楼" in flat
        assert f"核对码{batch_check_code(pb)}" in flat
        assert qr_texts(png(pdf, tmp_path, 150)) == {urls.absolute(SITE, urls.village_batch(pb.village, pb.batch.batch_id))}
    assert "合计577.50元" in re.sub(r"\s+", "", text_of(poster(posters, "410421100201", BATCH)))


def test_long_list_continues_over_numbered_pages_with_the_header_repeated(tiny_view, tmp_path: Path):
    from generator.context import BuildContext
    from generator.posters import Posters
    from generator.posters.layout import render_pdf
    from huinong_core.version import CST, DataVersion

    ds, view = tiny_view
    pb = next(pb for pb in view.batches if pb.village == VILLAGE)
    rows = tuple(dataclasses.replace(pb.rows[i % len(pb.rows)], seq=i + 1) for i in range(75))
    long_pb = dataclasses.replace(pb, rows=rows)
    ctx = BuildContext(Path("."), ds, view, TODAY, DataVersion("0123456789ab", dt.datetime(2024, 6, 21, tzinfo=CST)), None)
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(render_pdf([Posters(ctx).publicity(long_pb)], "A4", title="t", author="a"))
    pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(pdf))).group(1))
    assert pages >= 3
    printed = []
    for page in range(1, pages + 1):
        text = run("pdftotext", "-enc", "UTF-8", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-")
        assert re.search(r"序号\s+姓名\s+项目\s+数量\s+标准\(元\)\s+金额\(元\)\s+发放日期\s+状态", text), page
        assert re.search(rf"第\s*{page}\s*页\s*共\s*{pages}\s*页", text), page
        assert ("张庄村 耕地地力保护补贴发放名单公示（续）" in text) == (page > 1)
        printed += _printed_rows(text)
    assert [int(r[0]) for r in printed] == list(range(1, 76))


def test_page_sizes_fonts_and_reproducibility(posters: Path, tmp_path: Path):
    a4, a3 = poster(posters, VILLAGE, "zhengce", "A4"), poster(posters, VILLAGE, "zhengce", "A3")
    assert "595.276 x 841.89 pts (A4)" in run("pdfinfo", str(a4))
    assert "841.89 x 1190.55 pts (A3)" in run("pdfinfo", str(a3))
    for pdf in sorted(posters.rglob("*.pdf")):
        fonts = run("pdffonts", str(pdf)).splitlines()[2:]
        assert fonts and all(line.split()[-5:-3] == ["yes", "yes"] for line in fonts), pdf  # emb, sub
    bundle = posters / urls.township_bundle(TOWNSHIP, "A4")
    singles = sum(int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(p))).group(1))
                  for p in (posters / "haibao/410421100").glob("*-A4.pdf") if p != bundle)
    assert int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(bundle))).group(1)) == singles

    from generator.posters.cli import make_posters

    env = pytest.MonkeyPatch()
    env.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        make_posters(posters.parent / "data", tmp_path / "again", region=TOWNSHIP, sizes=("A4", "A3"), workers=2)
    finally:
        env.undo()
    again = {p.relative_to(tmp_path / "again"): p.read_bytes() for p in (tmp_path / "again").rglob("*") if p.is_file()}
    first = {p.relative_to(posters): p.read_bytes() for p in posters.rglob("*") if p.is_file()}
    assert again == first


def test_no_personal_data_on_any_poster(posters: Path, tmp_path: Path):
    texts = tmp_path / "texts"
    texts.mkdir()
    for pdf in posters.rglob("*.pdf"):
        (texts / f"{pdf.stem}.txt").write_text(text_of(pdf), encoding="utf-8")
    names = tmp_path / "names.txt"
    names.write_text("\n".join(p.name for p in TINY_PEOPLE), encoding="utf-8")
    for p in TINY_PEOPLE:
        for t in texts.iterdir():
            body = t.read_text(encoding="utf-8")
            assert p.id18 not in body and p.card not in body and p.card[-8:] not in body
    assert scan_paths([texts]) == []
    independent_pii_scan("--names", names, texts, posters)


def test_protected_programme_never_gets_a_publicity_poster(tiny: Path, tmp_path: Path, monkeypatch):
    """A batch of 孤儿基本生活费 (protected): listed on the policy poster, no list, no count anywhere."""
    src = tiny / "payments/2024/410421-NY001-2024"
    dst = tiny / "payments/2024/410421-MZ005-2024"
    shutil.copytree(src, dst)
    meta = dst / "batch.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("NY001", "MZ005"), encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert main(["posters", "--data", str(tiny), "--out", str(tmp_path / "out"), "--region", TOWNSHIP]) == 0
    out = tmp_path / "out"
    assert not [p for p in out.rglob("*") if "MZ005" in p.name]
    assert "MZ005" not in "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    assert "孤儿基本生活费" in text_of(poster(out, VILLAGE, "zhengce")).replace("\n", "")
    bundle_text = text_of(out / urls.township_bundle(TOWNSHIP, "A4"))
    assert bundle_text.count("发放名单公示") == 3  # the three NY001 lists of 城关镇, nothing of MZ005


def test_build_writes_policy_posters_recent_lists_and_an_index_that_links_them(tiny: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    summary = build(tiny, tmp_path / "public")
    site = tmp_path / "public/site"
    assert summary.posters == 4 + 3  # four villages' 政策清单, three 公示 of the running batch
    for page in (site / "haibao/index.html", *site.glob("haibao/*/index.html")):
        html = page.read_text(encoding="utf-8")
        css = site_files.asset("yikatong.css")  # its content-hashed name, which the site publishes
        assert '<html lang="zh-CN">' in html and (f'href="../{css}"' in html or f'href="../../{css}"' in html)
        assert (site / css).is_file()
        for href in re.findall(r'href="([^"#]+\.pdf)"', html):
            assert (page.parent / href).is_file(), href
        for href in re.findall(r'href="([^"#:]+/)(?:#[^"]*)?"', html):  # village pages, other indexes
            assert (page.parent / href / "index.html").is_file(), (page, href)
    # 大刘庄村 has no published list, but its 政策清单 poster's QR code leads to its page: the page
    # is there, says so, shows the poster's check code, offers no empty downloads; 冢头镇 lists it.
    village = (site / "diqu/410425101201/index.html").read_text(encoding="utf-8")
    code = policy_poster_check_code(VillageInfos(check(tiny)[0]).of("410425101201", TODAY.year))
    assert "没有需要在网上公示的发放结果" in village and code in village and "下载名单" not in village
    assert 'href="../../diqu/410425101201/"' in (site / "diqu/410425101000/index.html").read_text(encoding="utf-8")
    township = (site / "haibao/410421100/index.html").read_text(encoding="utf-8")
    assert township.count("-zhengce-A4.pdf") == 3 and township.count(f"-{BATCH}-A4.pdf") == 3
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01: the 2024 publicity ended long ago
    assert build(tiny, tmp_path / "later").posters == 4


def test_cli_errors_are_clear(tiny: Path, tmp_path: Path, monkeypatch, capsys):
    assert main(["posters", "--data", str(tiny), "--out", str(tmp_path / "o"), "--region", "410421999999"]) == 1
    assert "区划代码410421999999不存在" in capsys.readouterr().err
    monkeypatch.setenv(ENV_FONT, str(tmp_path / "no-such-font.ttc"))
    with pytest.raises(FontError) as e:
        poster_font()
    assert "没有可用的中文字体" in str(e.value) and "fonts-wqy-zenhei" in str(e.value)
    assert main(["posters", "--data", str(tiny), "--out", str(tmp_path / "o")]) == 1
    assert "fonts-wqy-zenhei" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    monkeypatch.setenv(ENV_FONT, "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc:2")
    if Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").exists():
        with pytest.raises(FontError):  # CFF outlines: reportlab cannot embed them
            poster_font()


def test_posters_made_a_group_of_villages_at_a_time_are_the_same(tiny: Path, tmp_path: Path, monkeypatch):
    """The build holds the poster specs of a few thousand villages at a time (a province has 46,000):
    groups of one township give the same files, bundles and index pages as one group of all."""
    import generator.posters.bundle as bundle
    from generator.posters.cli import make_posters

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    make_posters(tiny, tmp_path / "one", region=None, sizes=("A4",), workers=1)
    monkeypatch.setattr(bundle, "GROUP_VILLAGES", 1)
    groups = list(bundle._groups({"t1": ["a", "b"], "t2": ["c"], "t3": []}))
    assert groups == [["t1"], ["t2"], ["t3"]]
    make_posters(tiny, tmp_path / "many", region=None, sizes=("A4",), workers=1)

    def files(root: Path) -> dict:
        return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    one, many = files(tmp_path / "one"), files(tmp_path / "many")
    assert len({p.parent for p in one if p.suffix == ".pdf"}) > 1  # more than one township, so more than one group
    assert many == one


# ------------------------------------------------------------------ rare characters, sizes, the 公示 QR code

#: One masked name per CJK extension A-G (records.csv of the tiny batch: 记录号 -> name).
RARE_NAMES = {
    "00001": "\U0002A700*国",  # 𪜀 Extension C
    "00002": "\U0002B740*英",  # 𫝀 D
    "00003": "\U00020BB7**\U00030000",  # 𠮷 B, 𰀀 G
    "00004": "\U00020BB7**\U00030000",
    "00005": "\U0002CEB0*",  # 𬺰 F
    "00006": "\u3400****\U0002B820",  # 㐀 A, 𫠠 E
}


def fallback_fonts_installed() -> bool:
    from generator.posters.fonts import FALLBACK, _fallback_files

    return [f for _, _, f in _fallback_files()] == list(FALLBACK)


needs_fallbacks = pytest.mark.skipif(not fallback_fonts_installed(),
                                     reason="needs fonts-hanazono and fonts-babelstone-han (scripts/system-deps.sh)")


def rename(data: Path, names: dict[str, str]) -> None:
    """Give records of the tiny batch other masked names (record number -> name)."""
    path = data / f"payments/2024/{BATCH}/records.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines[1:], 1):
        cells = line.split(",")
        if cells[0] in names:
            cells[4] = names[cells[0]]
            lines[i] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8")


@needs_fallbacks
def test_names_with_characters_of_cjk_extensions_a_to_g_are_printed(tiny: Path, tmp_path: Path, monkeypatch):
    rename(tiny, RARE_NAMES)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert main(["posters", "--data", str(tiny), "--out", str(tmp_path / "out"), "--region", TOWNSHIP]) == 0
    out = tmp_path / "out"
    for village in ("410421100001", "410421100201", VILLAGE):
        fonts = {line.split()[0].split("+")[1] for line in run("pdffonts", str(poster(out, village, BATCH))).splitlines()[2:]}
        assert "HanaMinB" in fonts, (village, fonts)  # C-F: every village has one
    by_village = {v: [r[1] for r in _printed_rows(text_of(poster(out, v, BATCH), "-layout"))]
                  for v in ("410421100001", "410421100201", VILLAGE)}
    assert by_village == {
        "410421100001": [RARE_NAMES["00006"]],
        "410421100201": [RARE_NAMES["00001"], RARE_NAMES["00002"]],
        VILLAGE: [RARE_NAMES["00003"], RARE_NAMES["00004"], RARE_NAMES["00005"]],
    }
    # a fallback is embedded only where a name needs it: the 政策清单 poster has the main font alone
    fonts = [line.split()[0] for line in run("pdffonts", str(poster(out, VILLAGE, "zhengce"))).splitlines()[2:]]
    assert fonts and all(f.endswith("+WenQuanYiZenHei-0") for f in fonts), fonts


@pytest.mark.parametrize("name, code", [("\U0002EBF0*", "U+2EBF0"),  # Extension I (Unicode 15.1): in no font here
                                        ("\ue000*", "U+E000")])  # private use: never printed, whatever a font has
def test_a_character_no_font_prints_fails_the_posters_naming_the_record(tiny: Path, tmp_path: Path, monkeypatch,
                                                                         capsys, name: str, code: str):
    rename(tiny, {"00005": name})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert main(["posters", "--data", str(tiny), "--out", str(tmp_path / "out"), "--region", TOWNSHIP]) == 1
    err = capsys.readouterr().err
    assert f"批次 {BATCH} 张庄村（{VILLAGE}）序号 3 的姓名“{name}”" in err, err
    assert f"“{name[0]}”（{code}）" in err
    assert not (tmp_path / "out").exists()  # nothing written, nothing dropped


def test_publicity_qr_code_scans_from_a_50_dpi_picture_and_is_the_printed_url(posters: Path, tmp_path: Path):
    """The page at 50 dpi, also a little out of focus and grey (a phone photo of a notice board): at 4 cm,
    the side of the 政策清单 poster's codes, the longer URL's code no longer scans blurred."""
    from PIL import ImageEnhance, ImageFilter

    for size in ("A4", "A3"):
        pdf = poster(posters, VILLAGE, BATCH, size)
        image = png(pdf, tmp_path, 50)
        decoded = qr_texts(image)
        assert decoded == {urls.absolute(SITE, urls.village_batch(VILLAGE, BATCH))}, size
        blurred = ImageEnhance.Contrast(image.convert("L").filter(ImageFilter.GaussianBlur(0.9))).enhance(0.5)
        assert qr_texts(blurred) == decoded, size
        lines = text_of(pdf).splitlines()
        printed = lines[lines.index("网上名单（姓名已部分隐去，保护个人信息），手机打开网址：") + 1]
        assert printed == urls.short(SITE, urls.village_batch(VILLAGE, BATCH))
        assert "https://" + printed + "/" in decoded  # what one types opens what one scans


def _word_heights(pdf: Path) -> list[tuple[str, float]]:
    """(word, height in pt) of page 1, from pdftotext's boxes: the height is the type size."""
    words = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>',
                       text_of(pdf, "-bbox", "-f", "1", "-l", "1"))
    return [(w, float(y1) - float(y0)) for y0, y1, w in words]


def test_supervision_phone_as_large_as_on_the_policy_poster_and_check_code_at_least_14_pt(posters: Path, tiny_view):
    ds, view = tiny_view
    pb = next(pb for pb in view.batches if pb.village == VILLAGE)
    for size in ("A4", "A3"):
        listing = dict(_word_heights(poster(posters, VILLAGE, BATCH, size)))
        policy = dict(_word_heights(poster(posters, VILLAGE, "zhengce", size)))
        phone = "监督举报电话：0375-2661234"
        assert listing[phone] == pytest.approx(policy[phone], abs=0.01)
        body = listing["发放单位：宝丰县农业农村局"]  # 14 pt on A4, the smallest running text
        assert body == pytest.approx(14 * (1.2 if size == "A3" else 1), abs=0.05)
        assert listing[phone] > 1.5 * body
        assert listing[batch_check_code(pb)] >= body - 0.01
        code = policy_poster_check_code(VillageInfos(ds).of(VILLAGE, TODAY.year))
        assert policy[code] >= body - 0.01


# ------------------------------------------------------------------ posters drawn from a template


def _pages_png(pdf: bytes, tmp: Path, name: str) -> list[bytes]:
    """Every page at 72 dpi, as raw pixels."""
    from PIL import Image

    (tmp / f"{name}.pdf").write_bytes(pdf)
    run("pdftoppm", "-r", "72", "-png", str(tmp / f"{name}.pdf"), str(tmp / name))
    return [Image.open(p).convert("L").tobytes() for p in sorted(tmp.glob(f"{name}-*.png"))]


def _policy_specs(tiny_view, names: dict[str, str] | None = None):
    """The 政策清单 specs of 城关镇's villages (`names`: village code -> another village name)."""
    from generator.posters.stories import policy_spec

    ds, _ = tiny_view
    infos = VillageInfos(ds)
    specs = {}
    for v in ("410421100001", "410421100201", VILLAGE):
        info = infos.of(v, TODAY.year)
        if names and v in names:
            info = dataclasses.replace(info, village=dataclasses.replace(info.village, name=names[v]))
        specs[v] = policy_spec(info, site_url=SITE, version="2024-06-21 · 0123456789ab")
    return specs


@pytest.mark.parametrize("size", ["A4", "A3"])
def test_a_poster_drawn_from_its_template_prints_as_laid_out_in_full(tiny_view, tmp_path: Path, size: str):
    """The fixed parts as a form drawn once, the village's name, QR code and URL in their slots: the
    same pixels and text as the poster laid out on its own; all villages of a township share one."""
    from generator.posters.layout import render_pdf
    from generator.posters.template import Templates

    templates = Templates()
    specs = _policy_specs(tiny_view)
    assert len({s.template_key for s in specs.values()}) == 1
    for v, spec in specs.items():
        stamped = render_pdf([spec], size, title="t", author="a", templates=templates)
        full = render_pdf([dataclasses.replace(spec, template_key=None)], size, title="t", author="a")
        assert b"/Subtype /Form" in stamped and b"/Subtype /Form" not in full
        assert _pages_png(stamped, tmp_path, f"{v}-stamped") == _pages_png(full, tmp_path, f"{v}-full"), v
        assert text_of(tmp_path / f"{v}-stamped.pdf") == text_of(tmp_path / f"{v}-full.pdf")
        assert f"{SITE}/diqu/{v}/" in qr_texts(png(tmp_path / f"{v}-stamped.pdf", tmp_path, 150))
    assert len(templates._made) == 1 and len(next(iter(templates._made.values()))) == 1


def test_a_village_name_of_another_size_gets_its_own_template_and_no_poster_depends_on_the_order(tiny_view,
                                                                                                    tmp_path: Path):
    """A name that wraps the title line onto two lines moves everything below it: that poster is laid
    out from a template of its own; each poster's bytes are the same whichever was made first."""
    from generator.posters.layout import render_pdf
    from generator.posters.template import Templates

    specs = _policy_specs(tiny_view, {"410421100201": "东西南北中前后左右上下里外大小新旧高低长短宽窄村"})
    order = list(specs)

    def make(villages: list[str]) -> tuple[dict[str, bytes], Templates]:
        templates = Templates()
        return {v: render_pdf([specs[v]], "A4", title="t", author="a", templates=templates) for v in villages}, templates

    first, templates = make(order)
    again, _ = make(order[::-1])
    assert again == first
    assert [len(t) for t in templates._made.values()] == [2]
    long_full = render_pdf([dataclasses.replace(specs["410421100201"], template_key=None)], "A4", title="t", author="a")
    assert _pages_png(first["410421100201"], tmp_path, "long") == _pages_png(long_full, tmp_path, "long-full")
    flat = re.sub(r"\s+", "", text_of(tmp_path / "long.pdf"))
    assert "宝丰县城关镇东西南北中前后左右上下里外大小新旧高低长短宽窄村2024年" in flat


def test_a_township_bundle_holds_the_template_once(posters: Path):
    pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(poster(posters, VILLAGE, "zhengce")))).group(1))
    bundle = (posters / urls.township_bundle(TOWNSHIP, "A4")).read_bytes()
    assert bundle.count(b"/Subtype /Form") == pages  # three villages, one template


@needs_fallbacks
def test_a_village_name_beyond_the_templates_glyphs_is_printed(tiny_view, tmp_path: Path):
    """Glyphs the template's text never used (𠮷: the fallback font) are the poster's own."""
    from generator.posters.layout import render_pdf
    from generator.posters.template import Templates

    templates = Templates()
    specs = _policy_specs(tiny_view, {VILLAGE: "\U00020BB7家庄村"})
    for v, spec in specs.items():
        (tmp_path / f"{v}.pdf").write_bytes(render_pdf([spec], "A4", title="t", author="a", templates=templates))
    assert len(templates._made) == 1
    pdf = tmp_path / f"{VILLAGE}.pdf"
    flat = re.sub(r"\s+", "", text_of(pdf))
    assert "宝丰县城关镇\U00020BB7家庄村2024年" in flat and "宝丰县城关镇\U00020BB7家庄村惠民惠农补贴政策清单（续）" in flat
    fonts = {line.split()[0].split("+")[1] for line in run("pdffonts", str(pdf)).splitlines()[2:]}
    assert fonts == {"WenQuanYiZenHei-0", "HanaMinA"}  # HanaMinA has some of Extension B
    full = render_pdf([dataclasses.replace(specs[VILLAGE], template_key=None)], "A4", title="t", author="a")
    assert _pages_png(pdf.read_bytes(), tmp_path, "rare") == _pages_png(full, tmp_path, "rare-full")


def test_the_template_key_changes_with_everything_a_policy_poster_prints_but_its_variables(tiny_view):
    """Posters share a template only if all they print but the village's name, QR code and URL is the
    same: any other field of VillageInfo, the year and the site change the key; and every field changes
    the posters' input keys (what Writer.reuse goes by). A field added to VillageInfo fails here until
    the keys or this test say what it is."""
    from generator.posters import Posters
    from generator.posters.stories import policy_spec
    from generator.village_info import VillageInfo

    ds, _ = tiny_view
    info = VillageInfos(ds).of(VILLAGE, TODAY.year)
    key = policy_spec(info, site_url=SITE, version="v").template_key
    assert policy_spec(info, site_url=SITE, version="other").template_key == key  # the footer is not the template's
    assert policy_spec(info, site_url=SITE + ".cn", version="v").template_key != key
    place_only = {"village", "township", "county"}  # in the variables (the title line) and the footer alone
    input_key = Posters(None)._info_key(info)
    for f in dataclasses.fields(VillageInfo):
        value = getattr(info, f.name)
        if f.name in place_only:
            other = dataclasses.replace(info, **{f.name: dataclasses.replace(value, name=value.name + "新")})
            assert policy_spec(other, site_url=SITE, version="v").template_key == key
        else:
            changed = value[:-1] if isinstance(value, tuple) else value + 1 if isinstance(value, int) else value + "1"
            assert changed != value, f.name
            other = dataclasses.replace(info, **{f.name: changed})
            assert policy_spec(other, site_url=SITE, version="v").template_key != key, f.name
        assert Posters(None)._info_key(other) != input_key, f.name


def test_a_template_that_cannot_be_captured_lays_the_posters_out_in_full(tiny_view, monkeypatch):
    """Drawing a form of ours could not carry (an annotation, a shading...): laid out in full, asked once."""
    from generator.posters import template
    from generator.posters.layout import render_pdf

    asked = []
    monkeypatch.setattr(template.CaptureCanvas, "template", lambda self: asked.append(1))
    templates = template.Templates()
    for spec in _policy_specs(tiny_view).values():
        pdf = render_pdf([spec], "A4", title="t", author="a", templates=templates)
        assert b"/Subtype /Form" not in pdf
        assert pdf == render_pdf([dataclasses.replace(spec, template_key=None)], "A4", title="t", author="a")
    assert asked == [1]


def _font_files(pdf: bytes) -> list[bytes]:
    """The embedded font programs (FontFile2 streams), in object order."""
    return re.findall(rb"/Length1 \d+\s*>>\s*stream\r?\n(.*?)endstream", pdf, re.S)


def test_publicity_posters_share_the_font_subset_of_their_fixed_text(posters: Path):
    """The glyphs every 公示 poster prints are numbered first, so that subset is the same bytes in
    each poster (made once); each poster's own names come in a subset after it."""
    files = [_font_files(poster(posters, v, BATCH).read_bytes()) for v in ("410421100001", "410421100201", VILLAGE)]
    assert all(len(f) == 2 for f in files)
    assert files[0][0] == files[1][0] == files[2][0]
    assert len({f[1] for f in files}) == 3
