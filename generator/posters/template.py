"""Posters drawn from a template: what the posters of a group share is laid out and drawn once.

Every 政策清单 poster of a township says the same but for the village's name, its QR code and the
URL to type (and the page furniture: check code, footer).  A spec marks those parts as `Variable`s
and names what the rest is made of (``PosterSpec.template_key``).  The first poster of a group is
laid out with its variables as empty slots of their size (`CaptureCanvas`): each page's drawing
becomes a Form XObject, compressed once, and each slot's place is noted.  Every poster of the group
is then its template's pages plus its own variables drawn in the slots (`StampedPage`), provided
each variable has the size its slot was laid out with; a poster whose variables have other sizes (a
long village name on two lines) gets a template of its own.  The layout depends on the variables
only through their sizes, so a poster comes out the same whichever poster of its group was laid out
first.  (layout.render_pdf puts it together.)

Fonts: reportlab numbers a font's glyphs per document in the order they are first drawn, and a
form's text is written in the numbers of the document it was drawn for.  A document that draws a
template therefore starts with the template's numbering (`seed`) and numbers its own text in
subsets after the template's, so the template's subsets are the same bytes in each of its
documents (made once, fonts.PosterTTFont).  A document takes one template's numbering: in a bundle
with several templates, the posters of the others are laid out in full (the same print, more time).
A template of no pages (`numbering`) does the same for text every poster of a kind prints.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from dataclasses import dataclass

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


class Variable(Flowable):
    """A part of a poster that differs between the posters of one template; laid out as `inner` is.

    It never splits over two pages (its inner flowables are a line or two and a QR code), so that
    it takes the same room in a template as on its own."""

    def __init__(self, name: str, inner: Flowable):
        super().__init__()
        self.name = name
        self.inner = inner
        self.hAlign = getattr(inner, "hAlign", self.hAlign)
        self._avail = (0.0, 0.0)

    def wrap(self, avail_width, avail_height):
        self._avail = (avail_width, avail_height)
        self.width, self.height = self.inner.wrap(avail_width, avail_height)
        return self.width, self.height

    def split(self, avail_width, avail_height):
        return []

    def getSpaceBefore(self):
        return self.inner.getSpaceBefore()

    def getSpaceAfter(self):
        return self.inner.getSpaceAfter()

    def draw(self):
        slots = getattr(self.canv, "slots", None)
        if slots is None:
            self.inner.drawOn(self.canv, 0, 0)
        else:  # laying out a template: note where and how large, draw nothing
            slots.append(Slot(self.name, tuple(self.canv._currentMatrix), self._avail, (self.width, self.height)))


@dataclass(frozen=True)
class Slot:
    name: str  # of the variable
    matrix: tuple[float, ...]  # the canvas transform it is drawn in
    avail: tuple[float, float]  # the room it was given
    size: tuple[float, float]  # the room it took


@dataclass(frozen=True)
class FontSeed:
    """A font's glyph numbering in a template's document."""

    font: str  # registered name
    internal_name: str  # PDF resource name (F1...)
    assignments: tuple[tuple[int, int], ...]  # code point -> number
    subsets: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class TemplatePage:
    content: bytes  # the page's drawing without the slots
    compressed: bytes  # the same, Flate-compressed
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class Template:
    pages: tuple[TemplatePage, ...]
    fonts: tuple[FontSeed, ...]

    def fits(self, variables: dict[str, Flowable]) -> bool:
        """Whether `variables` take exactly the room of the slots (then the layout is this one)."""
        slots = [s for p in self.pages for s in p.slots]
        if sorted(s.name for s in slots) != sorted(variables):
            return False
        return all(tuple(variables[s.name].wrap(*s.avail)) == s.size for s in slots)


class Templates:
    """The templates made by one worker, the last few groups' (a build goes a township at a time)."""

    def __init__(self, keep: int = 8):
        self.keep = keep
        self._made: OrderedDict[tuple, list[Template | None]] = OrderedDict()

    def find(self, key: tuple, variables: dict[str, Flowable]) -> Template | None | bool:
        """The template for variables of these sizes; None if the key's posters cannot have one;
        False if it is still to be made."""
        found = self._made.get(key)
        if found is None:
            return False
        self._made.move_to_end(key)
        if any(t is None for t in found):
            return None
        return next((t for t in found if t.fits(variables)), False)

    def numbering(self, runs: list[tuple[str, str]]) -> Template:
        key = ("numbering", tuple(runs))
        found = self._made.get(key)
        if found is None:
            self.add(key, numbering(runs))
            found = self._made[key]
        self._made.move_to_end(key)
        return found[0]

    def add(self, key: tuple, template: Template | None) -> None:
        """Keep `template` (None: the key's posters are laid out in full)."""
        self._made.setdefault(key, []).append(template)
        self._made.move_to_end(key)
        while len(self._made) > self.keep:
            self._made.popitem(last=False)


class CaptureCanvas(Canvas):
    """A canvas for laying out a template: keeps each page's drawing and slots, writes nothing."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.slots: list[Slot] = []
        self.pages: list[TemplatePage] = []
        self.usable = True

    def showPage(self):
        if (self._formsinuse or self._annotationrefs or self._colorsUsed or self._shadingUsed
                or self._extgstate.getState() or self._psCommandsBeforePage or self._psCommandsAfterPage):
            self.usable = False  # resources a form of ours would not carry: lay such posters out in full
        content = ("\n".join([self._preamble, *self._code]) + "\n").encode("utf-8")
        self.pages.append(TemplatePage(content, zlib.compress(content), tuple(self.slots)))
        self.slots = []
        self._startPage()

    def save(self):
        pass

    def template(self) -> Template | None:
        fonts = _numbering_of(self._doc)
        return Template(tuple(self.pages), fonts) if self.usable and fonts is not None else None


def _numbering_of(doc) -> tuple[FontSeed, ...] | None:
    """The glyph numbering of each font `doc` uses (None: a standard font, not numbered like ours)."""
    fonts = []
    for name, internal in doc.fontMapping.items():
        font = pdfmetrics.getFont(name)
        state = getattr(font, "state", {}).get(doc)
        if not getattr(font, "_dynamicFont", False) or state is None:
            return None
        fonts.append(FontSeed(name, internal.lstrip("/"), tuple(state.assignments.items()),
                              tuple(tuple(s) for s in state.subsets)))
    return tuple(fonts)


def numbering(runs: list[tuple[str, str]]) -> Template:
    """A template of no pages: the glyphs of `runs` ((font, text) pieces) numbered in that order.

    Seeded with it, the PDFs of posters that all print this text start with the same subset of the
    font (made once, fonts.PosterTTFont), their own text in a small one after it."""
    doc = pdfdoc.PDFDocument(invariant=1)
    for name, piece in runs:
        font = pdfmetrics.getFont(name)
        font.splitString(piece, doc)
        font.getSubsetInternalName(0, doc)
    fonts = _numbering_of(doc)
    assert fonts is not None
    return Template((), fonts)


def seed(doc, template: Template) -> None:
    """Start `doc` (a new PDFDocument, nothing drawn yet) with the template's glyph numbering; its
    own text is numbered in new subsets after the template's."""
    if doc.fontMapping:
        raise ValueError("a template's numbering must come before anything else of the document")
    for fs in template.fonts:
        font = pdfmetrics.getFont(fs.font)
        state = font._assignState(doc)
        state.assignments = dict(fs.assignments)
        state.subsets = [list(s) for s in fs.subsets]
        state.nextCode = 256 * len(fs.subsets)
        state.internalName = fs.internal_name
        doc.fontMapping[fs.font] = "/" + fs.internal_name
        doc.delayedFonts.append(font)


def form_name(page: int) -> str:
    return f"template{page}"


class StampedPage(Flowable):
    """One page of a template with the poster's variables in its slots.  Takes no room: the page is
    drawn in page coordinates, and a PageBreak follows it."""

    def __init__(self, template: Template, page: int, variables: dict[str, Flowable]):
        super().__init__()
        self.template = template
        self.page = page
        self.variables = variables

    def wrap(self, avail_width, avail_height):
        return 0, 0

    def drawOn(self, canvas, x, y, _sW=0):
        doc = canvas._doc
        name = form_name(self.page)
        if not doc.hasForm(name):  # once per document: every poster of the template shows the same form
            page = self.template.pages[self.page]
            form = pdfdoc.PDFFormXObject(0, 0, *canvas._pagesize)
            compressed = bool(doc.compression)
            form.Contents = pdfdoc.PDFStream(content=page.compressed if compressed else page.content)
            if compressed:
                form.Contents.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
            doc.addForm(name, form)
        if tuple(canvas._currentMatrix) != IDENTITY:
            raise ValueError("a template page is drawn in page coordinates")
        canvas.saveState()
        canvas.doForm(name)
        canvas.restoreState()
        for slot in self.template.pages[self.page].slots:
            inner = self.variables[slot.name]
            inner.wrap(*slot.avail)
            canvas.saveState()
            canvas.transform(*slot.matrix)
            inner.drawOn(canvas, 0, 0)
            canvas.restoreState()
