"""The CJK fonts embedded (subset) in the posters, found through fontconfig.

reportlab embeds TrueType outlines only, so CFF/OpenType CJK fonts (Noto
Sans CJK) do not qualify; Debian's fonts-wqy-zenhei does.  The environment
variable HUINONG_POSTER_FONT (a font file, optionally ``file.ttc:INDEX``)
overrides the lookup.

WenQuanYi Zen Hei has the common characters and Extension A but not the rare
ones a name may hold (𠮷, U+20BB7, Extension B).  Text is therefore drawn in
runs (``runs``): each character in the first font of a chain that has it,
the main font, then FALLBACK (fonts-hanazono: Extensions A-F complete;
fonts-babelstone-han: most of G).  A fallback is read only when a character
needs it, and reportlab embeds a font in a PDF only when the PDF uses it.
A character no font of the chain has, or a private-use one (some office
systems' home-made characters: a font's glyph there means whatever the font
maker chose), is a GlyphError, never dropped or printed as something else.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass

from huinong_core.errors import HuinongError

ENV_FONT = "HUINONG_POSTER_FONT"
#: Families tried first, in this order; any other TrueType CJK font after them.
PREFERRED = ("WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback")
FONT_NAME = "PosterCJK"
#: Fallback families, in this order: HanaMinA (BMP, some B), HanaMinB (Extensions B-F), BabelStone Han (G, part of H).
FALLBACK = ("HanaMinA", "HanaMinB", "BabelStone Han")
FALLBACK_PACKAGES = "fonts-hanazono fonts-babelstone-han"
HINT = ("海报需要一种带 TrueType 轮廓、可嵌入 PDF 的中文字体（Noto CJK 等 OpenType/CFF 字体不行）："
        "请运行 scripts/system-deps.sh run，或 apt-get install fonts-wqy-zenhei；"
        f"也可以用环境变量 {ENV_FONT}=字体文件路径（.ttc 可写成 路径:序号）指定。")


class FontError(HuinongError):
    pass


class GlyphError(FontError):
    """A character that no font of the chain prints (its message says which, and where)."""


@dataclass(frozen=True)
class PosterFont:
    name: str  # the name registered with reportlab
    path: str
    index: int
    family: str


def _candidates(override: str | None) -> list[tuple[str, int, str]]:
    if override is not None:
        path, _, index = override.rpartition(":") if override.rpartition(":")[2].isdigit() else (override, "", "0")
        return [(path, int(index), os.path.basename(path))]
    if shutil.which("fc-list") is None:
        raise FontError("找不到 fc-list（fontconfig），无法查找中文字体。" + HINT)
    out = subprocess.run(["fc-list", ":lang=zh:fontformat=TrueType", "--format", "%{file}\t%{index}\t%{family[0]}\n"],
                         capture_output=True, text=True, timeout=60)
    found = []
    for line in out.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[1].isdigit():
            found.append((parts[0], int(parts[1]), parts[2]))

    def rank(c: tuple[str, int, str]):
        return (PREFERRED.index(c[2]) if c[2] in PREFERRED else len(PREFERRED), c[0], c[1])

    return sorted(set(found), key=rank)


@functools.lru_cache(maxsize=4)
def _load(override: str | None) -> PosterFont:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError

    tried = []
    for path, index, family in _candidates(override):
        try:
            font = _TTFont(FONT_NAME, path, subfontIndex=index)
        except (OSError, TTFError) as e:
            tried.append(f"{path}:{index}（{e}）")
            continue
        if 0x4E2D not in font.face.charToGlyph:  # 中
            tried.append(f"{path}:{index}（不含汉字）")
            continue
        pdfmetrics.registerFont(font)
        return PosterFont(FONT_NAME, path, index, family)
    where = "；试过：" + "，".join(tried) if tried else "；没有找到任何候选字体"
    raise FontError("无法生成海报：没有可用的中文字体" + where + "。" + HINT)


def poster_font() -> PosterFont:
    """The registered poster font; raises FontError with a Chinese message if none is usable."""
    return _load(os.environ.get(ENV_FONT))


def _cmap(name: str) -> dict[int, int]:
    from reportlab.pdfbase import pdfmetrics

    return pdfmetrics.getFont(name).face.charToGlyph


@functools.lru_cache(maxsize=1)
def _fallback_files() -> tuple[tuple[str, int, str], ...]:
    """(file, index, family) of the FALLBACK families installed, in chain order."""
    if shutil.which("fc-list") is None:
        return ()
    out = subprocess.run(["fc-list", ":fontformat=TrueType", "--format", "%{file}\t%{index}\t%{family[0]}\n"],
                         capture_output=True, text=True, timeout=60)
    found: dict[str, tuple[str, int, str]] = {}
    for line in sorted(out.stdout.splitlines()):  # the same file whatever fontconfig's order
        parts = line.split("\t")
        if len(parts) == 3 and parts[1].isdigit() and parts[2] in FALLBACK:
            found.setdefault(parts[2], (parts[0], int(parts[1]), parts[2]))
    return tuple(found[f] for f in FALLBACK if f in found)


@functools.lru_cache(maxsize=None)
def _fallback(i: int) -> str | None:
    """Registered name of the i-th fallback (read on first use, ~0.1 s); None if it cannot be read."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError

    path, index, family = _fallback_files()[i]
    name = f"{FONT_NAME}-{family.replace(' ', '')}"  # fixed names: the PDF does not depend on load order
    try:
        pdfmetrics.registerFont(_TTFont(name, path, subfontIndex=index))
    except (OSError, TTFError):
        return None
    return name


def font_for(ch: str) -> str | None:
    """Registered name of the first font of the chain with a glyph for `ch`; None if there is none."""
    main = poster_font().name
    code = ord(ch)
    if code in _cmap(main) or ch.isspace():
        return main
    if unicodedata.category(ch) == "Co":  # private use: no font knows what it stands for
        return None
    for i in range(len(_fallback_files())):
        name = _fallback(i)
        if name is not None and code in _cmap(name):
            return name
    return None


def glyph_error(ch: str, where: str) -> GlyphError:
    """The error for a character `ch` of `where` (e.g. 批次…序号 3 的姓名“𠀀*”) that no font prints."""
    code = f"U+{ord(ch):04X}"
    if unicodedata.category(ch) == "Co":
        why = f"“{ch}”（{code}）是私用区字符（各单位自造的字，字体无法表示），请改为 Unicode 标准字符"
    else:
        why = (f"“{ch}”（{code}）在所有海报字体里都没有字形，请核对是否录错；"
               f"生僻字需要安装 {FALLBACK_PACKAGES}（scripts/system-deps.sh run）")
    return GlyphError(f"无法生成海报：{where}中的{why}。")


def runs(text: str, where: str | None = None) -> list[tuple[str, str]]:
    """`text` cut into (font name, piece): each character in the first font of the chain that has it.

    Raises GlyphError for a character no font prints (`where` names the text in the message).
    """
    main = poster_font().name
    cmap = _cmap(main)
    if all(ord(ch) in cmap for ch in text):  # nearly all text: one run, no per-character work
        return [(main, text)] if text else []
    out: list[tuple[str, str]] = []
    for ch in text:
        name = font_for(ch)
        if name is None:
            raise glyph_error(ch, where or f"“{text}”")
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + ch)
        else:
            out.append((name, ch))
    return out


def check_text(text: str, where: str) -> None:
    """Raise GlyphError (naming `where`) if some character of `text` has no glyph in the chain."""
    runs(text, where)


_BEYOND_BMP = re.compile(r"<([0-9A-F]{2})> <([0-9A-F]{5,6})>")


def _utf16(m: re.Match) -> str:
    return f"<{m.group(1)}> <{chr(int(m.group(2), 16)).encode('utf-16-be').hex().upper()}>"


#: Finished subsets kept per process (LRU): a template's subsets are the same in each of its posters
#: (generator/posters/template.py), and making a subset and compressing it was a fifth of a poster's time.
SUBSET_CACHE = 32


@dataclass(frozen=True)
class _SubsetParts:
    widths: bytes  # the Widths array as written (formatting a thousand numbers per PDF took as long)
    to_unicode: bytes | str  # compressed (bytes) if the document compresses
    font_file: bytes  # the TrueType subset, compressed if the document compresses
    length1: int  # its length before compression


@functools.lru_cache(maxsize=SUBSET_CACHE)
def _subset_parts(font, base_font_name: str, subset: tuple[int, ...], compressed: bool) -> _SubsetParts:
    import zlib

    from reportlab.pdfbase import pdfdoc
    from reportlab.pdfbase.ttfonts import makeToUnicodeCMap

    face = font.face
    # reportlab writes each ToUnicode entry as hex digits of the code point, which PDF readers take as
    # UTF-16: 𠮷 (U+20BB7) came out of pdftotext, copy and search as "₻".  Entries beyond U+FFFF are
    # written as surrogate pairs.
    cmap = _BEYOND_BMP.sub(_utf16, makeToUnicodeCMap(base_font_name, subset))
    data = face.makeSubset(subset)
    return _SubsetParts(
        widths=pdfdoc.PDFArray(list(map(face.getCharWidth, subset))).format(None),
        to_unicode=zlib.compress(cmap.encode("utf-8")) if compressed else cmap,
        font_file=zlib.compress(data) if compressed else data,
        length1=len(data),
    )


def _stream(content, compressed: bool, **entries):
    """A PDF stream of finished content (already compressed when `compressed`: not compressed again)."""
    from reportlab.pdfbase import pdfdoc

    stream = pdfdoc.PDFStream(content=content)
    for key, value in entries.items():
        stream.dictionary[key] = value
    if compressed:
        stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
    return stream


@functools.lru_cache(maxsize=1)
def _ttfont_class():
    from reportlab.pdfbase import pdfdoc
    from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, SUBSETN, TTFont

    class _Formatted(pdfdoc.PDFObject):
        def __init__(self, data: bytes):
            self.data = data

        def format(self, document):
            return self.data

    class PosterTTFont(TTFont):
        """reportlab's TTFont, writing the same objects as its addObjects, but each subset's finished
        streams are kept (``_subset_parts``) and ToUnicode entries beyond U+FFFF are surrogate pairs."""

        def __init__(self, *args, **kw):
            super().__init__(*args, **kw)
            # makeSubset reads ten tables of the font file, each a copy (glyf: 10 MB of WenQuanYi Zen
            # Hei): read once, the font's fixed cost in each PDF falls from ~3 ms to ~1 ms
            self.face.get_table = functools.lru_cache(maxsize=None)(self.face.get_table)

        def addObjects(self, doc):
            state = self._assignState(doc)
            state.frozen = 1
            face = self.face
            compressed = bool(doc.compression)
            for n, subset in enumerate(state.subsets):
                internal_name = self.getSubsetInternalName(n, doc)[1:]
                base_font_name = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
                parts = _subset_parts(self, base_font_name, tuple(subset), compressed)

                pdf_font = pdfdoc.PDFTrueTypeFont()
                pdf_font.__Comment__ = "Font %s subset %d" % (self.fontName, n)
                pdf_font.Name = internal_name
                pdf_font.BaseFont = base_font_name
                pdf_font.FirstChar = 0
                pdf_font.LastChar = len(subset) - 1
                pdf_font.Widths = _Formatted(parts.widths)
                pdf_font.ToUnicode = doc.Reference(_stream(parts.to_unicode, compressed),
                                                   "toUnicodeCMap:" + base_font_name)
                font_file = doc.Reference(_stream(parts.font_file, compressed, Length1=parts.length1),
                                          "fontFile:%s(%s)" % (face.filename, base_font_name))
                pdf_font.FontDescriptor = doc.Reference(pdfdoc.PDFDictionary({
                    "Type": "/FontDescriptor", "Ascent": face.ascent, "CapHeight": face.capHeight,
                    "Descent": face.descent, "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
                    "FontBBox": pdfdoc.PDFArray(face.bbox), "FontName": pdfdoc.PDFName(base_font_name),
                    "ItalicAngle": face.italicAngle, "StemV": face.stemV, "FontFile2": font_file,
                    "MissingWidth": face.defaultWidth,
                }), "fontDescriptor:" + base_font_name)
                doc.Reference(pdf_font, internal_name)
                doc.idToObject["BasicFonts"].dict[internal_name] = pdf_font
            del self.state[doc]

    return PosterTTFont


def _TTFont(*args, **kw):
    return _ttfont_class()(*args, **kw)
