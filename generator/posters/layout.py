"""Page layout of the posters: styles, page furniture and the two kinds of poster.

Everything is measured for A4 and multiplied by a type scale for A3: 1.2,
so an A3 poster has larger type for a board read from a step away *and*
fewer sheets (A3 has twice the area of A4; a 政策清单 of ~27 programmes
takes about five A4 sheets at 14 pt, three and a half A3 sheets).

Black on white only, no colour and no thin grey text: posters are printed
on village office printers and photocopied.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import Callable, Hashable, Mapping, Sequence
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A3, A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm, mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate, CondPageBreak, Flowable, Frame, KeepTogether, LongTable, PageBreak, PageTemplate,
    Paragraph, Spacer, Table, TableStyle,
)

from generator.posters.fonts import poster_font, runs
from generator.posters.qr import QRFlowable
from generator.posters.template import CaptureCanvas, StampedPage, Template, Templates, Variable, seed

# Binary (Flate only) streams: smaller and faster to write than ASCII85 on top of Flate.
rl_config.useA85 = 0

PAGE_SIZES = {"A4": A4, "A3": A3}
SIZES = tuple(PAGE_SIZES)

# A4 measures; every one is multiplied by the page's scale.
MARGIN = 15 * mm
HEADER_BAND = 9 * mm  # running title on continuation pages
FOOTER_BAND = 15 * mm  # check code, data version, page number
BODY_PT = 14  # the smallest running text on A4 (issue: at least 14 pt)
FOOTER_PT = 12
CHECK_CODE_PT = BODY_PT  # the check code is compared by eye with the web page's: as large as the text
QR_SIDE = 4 * cm  # printed side of a QR code on A4 (4.8 cm on A3), quiet zone included
#: The 公示 poster's code: its URL (village and batch) needs a denser code, which must still scan
#: from a 50 dpi picture of the page.
LIST_QR_SIDE = 5.5 * cm


TYPE_SCALE = {"A4": 1.0, "A3": 1.2}


def scale_of(size: str) -> float:
    return TYPE_SCALE[size]


def para(text: str) -> str:
    """Data text made safe for reportlab's mini-markup; characters the main font lacks (𠮷) in
    the fallback font that has them.  Raises GlyphError for a character no font has."""
    main = poster_font().name
    return "".join(escape(piece) if name == main else f'<font face="{name}">{escape(piece)}</font>'
                   for name, piece in runs(text))


def text_width(text: str, size: float) -> float:
    """Printed width of `text` at `size`, in the fonts `para` and `draw_text` use."""
    return sum(stringWidth(piece, name, size) for name, piece in runs(text))


def draw_text(canv: Canvas, x: float, y: float, text: str, size: float, *, right: bool = False) -> None:
    """canv.drawString in runs of the font chain (right: x is where the text ends)."""
    if right:
        x -= text_width(text, size)
    for name, piece in runs(text):
        canv.setFont(name, size)
        canv.drawString(x, y, piece)
        x += stringWidth(piece, name, size)


@dataclass(frozen=True)
class Styles:
    scale: float
    frame_width: float
    font: str
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h2: ParagraphStyle
    item: ParagraphStyle
    body: ParagraphStyle
    strong: ParagraphStyle
    big: ParagraphStyle
    caption: ParagraphStyle
    url: ParagraphStyle
    cell: ParagraphStyle

    def pt(self, value: float) -> float:
        return value * self.scale

    @property
    def qr_side(self) -> float:
        return QR_SIDE * self.scale

    @property
    def list_qr_side(self) -> float:
        return LIST_QR_SIDE * self.scale


@functools.lru_cache(maxsize=4)
def styles(size: str) -> Styles:
    scale = scale_of(size)
    font = poster_font().name

    def st(name: str, size: float, leading: float, **kw) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size * scale, leading=leading * scale,
                              wordWrap="CJK", textColor="black", **kw)

    return Styles(
        scale=scale, frame_width=PAGE_SIZES[size][0] - 2 * MARGIN * scale, font=font,
        title=st("title", 30, 38, alignment=TA_CENTER, spaceAfter=2 * scale),
        subtitle=st("subtitle", 17, 24, alignment=TA_CENTER, spaceAfter=8 * scale),
        h2=st("h2", 20, 26, spaceBefore=8 * scale, spaceAfter=3 * scale),
        item=st("item", 16, 21, spaceBefore=5 * scale, spaceAfter=1 * scale),
        body=st("body", BODY_PT, 19),
        strong=st("strong", 17, 24),
        big=st("big", 26, 34),
        caption=st("caption", 17, 23),
        url=st("url", BODY_PT, 20),
        cell=st("cell", BODY_PT, 18),
    )


# ------------------------------------------------------------------ furniture


@dataclass(frozen=True)
class PosterMeta:
    """What every page of one poster carries around its content."""

    key: str  # unique per poster inside one PDF
    running_title: str  # printed on top of continuation pages, with （续）
    check_code: str
    version: str  # DataVersion.label
    online: str  # short URL of the matching web page, where the same check code is shown


def _no_variables(st: Styles) -> dict[str, Flowable]:
    return {}


@dataclass(frozen=True)
class PosterSpec:
    """One poster: its page furniture and a factory of its flowables (a story is used up by one build).

    `variables` are the parts that differ between posters of the same `template_key` (what all the
    rest is made of): posters sharing a key are drawn from one template (posters/template.py).  The
    story is given them as `Variable`s, by name."""

    meta: PosterMeta
    title: str  # PDF document title
    story: Callable[[Styles, Mapping[str, Flowable]], list[Flowable]]
    variables: Callable[[Styles], dict[str, Flowable]] = _no_variables
    template_key: Hashable | None = None
    #: Text every poster of its kind prints: a PDF without a template numbers its glyphs first, so
    #: that part of the font is the same subset in each PDF (made once), the poster's own after it.
    glyphs: str = ""


class _Marker(Flowable):
    """Zero-size flowable at the start of a poster: tells the canvas whose pages follow."""

    def __init__(self, meta: PosterMeta):
        super().__init__()
        self.meta = meta

    def wrap(self, *_):
        return 0, 0

    def draw(self):
        self.canv.poster_meta = self.meta


class PosterCanvas(Canvas):
    """Draws header and footer after layout, when each poster's page count is known."""

    scale = 1.0
    template: Template | None = None  # whose glyph numbering the document starts with

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        if self.template is not None:
            seed(self._doc, self.template)
        self.poster_meta: PosterMeta | None = None
        self._pages: list[tuple[dict, PosterMeta | None]] = []

    def showPage(self):
        self._pages.append((dict(self.__dict__), self.poster_meta))
        self._startPage()

    def save(self):
        totals: dict[str, int] = {}
        for _, meta in self._pages:
            if meta is not None:
                totals[meta.key] = totals.get(meta.key, 0) + 1
        seen: dict[str, int] = {}
        for state, meta in self._pages:
            self.__dict__.update(state)
            if meta is not None:
                seen[meta.key] = seen.get(meta.key, 0) + 1
                self._furniture(meta, seen[meta.key], totals[meta.key])
            super().showPage()
        super().save()

    def _furniture(self, meta: PosterMeta, page: int, total: int) -> None:
        s = self.scale
        width, height = self._pagesize
        left, right = MARGIN * s, width - MARGIN * s
        self.saveState()
        self.setFillGray(0)
        self.setStrokeGray(0)
        if page > 1:
            draw_text(self, left, height - MARGIN * s - BODY_PT * s, f"{meta.running_title}（续）", BODY_PT * s)
        y = MARGIN * s + FOOTER_PT * s * 1.6
        self.setLineWidth(0.8 * s)
        self.line(left, y + CHECK_CODE_PT * s * 1.2, right, y + CHECK_CODE_PT * s * 1.2)
        draw_text(self, left, y, f"核对码 {meta.check_code}　数据版本 {meta.version}", CHECK_CODE_PT * s)
        draw_text(self, right, y, f"第 {page} 页　共 {total} 页", FOOTER_PT * s, right=True)
        online = f"网上 {meta.online} 显示同一核对码"
        size = FOOTER_PT * s
        size = min(size, size * (right - left) / text_width(online, size))  # a long site URL: smaller, not cut off
        draw_text(self, left, MARGIN * s, online, size)
        self.restoreState()


def _doc(buf, size: str, **info) -> BaseDocTemplate:
    s = scale_of(size)
    st = styles(size)
    doc = BaseDocTemplate(
        buf, pagesize=PAGE_SIZES[size], invariant=1, creator="huinong posters",
        producer="huinong posters (reportlab)", lang="zh-CN", displayDocTitle=1,
        initialFontName=st.font, initialFontSize=BODY_PT * s,
        leftMargin=MARGIN * s, rightMargin=MARGIN * s,
        topMargin=(MARGIN + HEADER_BAND) * s, bottomMargin=(MARGIN + FOOTER_BAND) * s, **info,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0, id="body")
    doc.addPageTemplates([PageTemplate(id="poster", frames=[frame])])
    return doc


def _template(spec: PosterSpec, size: str, variables: dict[str, Flowable], templates: Templates) -> Template | None:
    """The template of `spec` for variables of these sizes: found, or laid out now (None: not usable)."""
    key = (spec.template_key, size, poster_font())
    found = templates.find(key, variables)
    if found is False:
        doc = _doc(io.BytesIO(), size)
        doc.build(spec.story(styles(size), {k: Variable(k, f) for k, f in variables.items()}),
                  canvasmaker=CaptureCanvas)
        found = doc.canv.template()
        if found is not None and not found.fits(variables):
            found = None
        templates.add(key, found)
    return found


def render_pdf(specs: Sequence[PosterSpec], size: str, *, title: str, author: str,
               templates: Templates | None = None) -> bytes:
    """One PDF holding the given posters, each starting on a new page with its own page numbers.

    Posters with a template key are drawn from their template (`templates` keeps them for the next
    PDFs) if it is the PDF's first template (a document starts with one template's glyph numbering);
    the others are laid out."""
    templates = templates if templates is not None else Templates()
    st = styles(size)
    buf = io.BytesIO()
    doc = _doc(buf, size, title=title, author=author)
    seeded: Template | None = None
    story: list[Flowable] = []
    for i, spec in enumerate(specs):
        if i:
            story.append(PageBreak())
        story.append(_Marker(spec.meta))
        variables = spec.variables(st)
        template = _template(spec, size, variables, templates) if spec.template_key else None
        if template is not None and (seeded is None or seeded is template):
            seeded = template
            for page in range(len(template.pages)):
                if page:
                    story.append(PageBreak())
                story.append(StampedPage(template, page, variables))
        else:
            story.extend(spec.story(st, {k: Variable(k, f) for k, f in variables.items()}))
    if seeded is None and specs and specs[0].glyphs:
        seeded = templates.numbering(runs(specs[0].glyphs))

    class _Canvas(PosterCanvas):
        scale = scale_of(size)
        template = seeded

    doc.build(story, canvasmaker=_Canvas)
    return buf.getvalue()


# ------------------------------------------------------------------ building blocks


def phone_line(st: Styles, phone: str) -> Paragraph:
    """监督举报电话, as large on every poster."""
    return Paragraph(para(f"监督举报电话：{phone}"), st.big)


def qr_row(st: Styles, qr: Flowable, typed: Flowable, caption: str, note: str) -> Table:
    """A QR code with its caption, the URL to type (`typed`: `typed_url`) and a line of explanation beside it."""
    side = st.qr_side
    text = [Paragraph(para(caption), st.caption), typed, Paragraph(para(note), st.body)]
    return layout_table(st, [[qr, text]], [side + 3 * mm * st.scale, st.frame_width - side - 3 * mm * st.scale],
                        valign="MIDDLE")


def typed_url(st: Styles, typed: str) -> Paragraph:
    return Paragraph("手机打开网址：" + para(typed), st.url)


def layout_table(st: Styles, cells: list[list], widths: list[float], valign: str = "TOP", extra=()) -> Table:
    """A borderless table used only to place blocks side by side."""
    t = Table(cells, colWidths=widths)
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), st.font, st.body.fontSize),
                           ("VALIGN", (0, 0), (-1, -1), valign), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 0), *extra]))
    return t


def boxed(st: Styles, flowables: list[Flowable], width: float | None = None) -> Table:
    """A black frame around a block (high contrast, survives photocopying)."""
    pad = 3 * mm * st.scale
    t = Table([[flowables]], colWidths=[width] if width else None)
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), st.font, st.body.fontSize),
                           ("BOX", (0, 0), (-1, -1), 1.5 * st.scale, "black"),
                           ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                           ("TOPPADDING", (0, 0), (-1, -1), pad), ("BOTTOMPADDING", (0, 0), (-1, -1), pad)]))
    return t


def rule(st: Styles) -> Flowable:
    return _Rule(1.5 * st.scale)


class _Rule(Flowable):
    def __init__(self, weight: float):
        super().__init__()
        self.weight = weight

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return avail_width, self.weight * 3

    def draw(self):
        self.canv.setLineWidth(self.weight)
        self.canv.line(0, self.weight * 1.5, self.width, self.weight * 1.5)


def data_table(st: Styles, header: Sequence[str], rows: Sequence[Sequence[str]], width: float,
               align_right: Sequence[int] = ()) -> LongTable:
    """A list over as many pages as needed; the header row is repeated on every page.

    Columns get their natural width plus an equal share of what is left; a
    column too wide for the page (a very long masked name) wraps instead.
    """
    pad = 2.5 * mm * st.scale
    size = st.cell.fontSize

    def w(text: str) -> float:
        return text_width(text, size)

    def plain(text: str) -> bool:  # drawn by the table in the main font
        return all(name == st.font for name, _ in runs(text))

    natural = [max([w(h)] + [w(r[i]) for r in rows]) + 2 * pad for i, h in enumerate(header)]
    spare = width - sum(natural)
    if spare >= 0:
        widths = [n + spare / len(natural) for n in natural]
    else:  # shrink the widest column; its cells wrap
        widest = max(range(len(natural)), key=natural.__getitem__)
        widths = list(natural)
        widths[widest] = max(natural[widest] + spare, 4 * size)
    cells: list[list] = [list(header)]
    for r in rows:
        cells.append([Paragraph(para(v), st.cell) if w(v) + 2 * pad > widths[i] or not plain(v) else v
                      for i, v in enumerate(r)])
    t = LongTable(cells, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), st.font, size, st.cell.leading),
        ("TEXTCOLOR", (0, 0), (-1, -1), "black"),
        ("GRID", (0, 0), (-1, -1), 0.7 * st.scale, "black"),
        ("LINEBELOW", (0, 0), (-1, 0), 2 * st.scale, "black"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6 * mm * st.scale),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6 * mm * st.scale),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), ["white", (0.9, 0.9, 0.9)]),
    ]
    style += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i in align_right]
    t.setStyle(TableStyle(style))
    return t


def keep(items: list[Flowable]) -> KeepTogether:
    return KeepTogether(items)


def space(st: Styles, height_mm: float) -> Spacer:
    return Spacer(1, height_mm * mm * st.scale)


def page_room(st: Styles, height_mm: float) -> CondPageBreak:
    return CondPageBreak(height_mm * mm * st.scale)


__all__ = [
    "PAGE_SIZES", "SIZES", "PosterMeta", "PosterSpec", "Styles", "styles", "render_pdf", "qr_row", "boxed",
    "rule", "data_table", "layout_table", "keep", "space", "page_room", "para", "scale_of", "TA_RIGHT",
    "phone_line", "draw_text", "text_width", "typed_url",
]
