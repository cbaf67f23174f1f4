"""The CJK font embedded (subset) in every poster, found through fontconfig.

reportlab embeds TrueType outlines only, so CFF/OpenType CJK fonts (Noto
Sans CJK) do not qualify; Debian's fonts-wqy-zenhei does.  The environment
variable HUINONG_POSTER_FONT (a font file, optionally ``file.ttc:INDEX``)
overrides the lookup.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass

from generator.errors import HuinongError

ENV_FONT = "HUINONG_POSTER_FONT"
#: Families tried first, in this order; any other TrueType CJK font after them.
PREFERRED = ("WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback")
FONT_NAME = "PosterCJK"
HINT = ("海报需要一种带 TrueType 轮廓、可嵌入 PDF 的中文字体（Noto CJK 等 OpenType/CFF 字体不行）："
        "请运行 scripts/system-deps.sh run，或 apt-get install fonts-wqy-zenhei；"
        f"也可以用环境变量 {ENV_FONT}=字体文件路径（.ttc 可写成 路径:序号）指定。")


class FontError(HuinongError):
    pass


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
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    tried = []
    for path, index, family in _candidates(override):
        try:
            font = TTFont(FONT_NAME, path, subfontIndex=index)
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


def has_glyph(ch: str) -> bool:
    from reportlab.pdfbase import pdfmetrics

    return ord(ch) in pdfmetrics.getFont(poster_font().name).face.charToGlyph
