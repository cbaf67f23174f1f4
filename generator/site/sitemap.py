"""One sitemap for both halves (mkdocs' own covers only its pages)."""

from __future__ import annotations

from xml.sax.saxutils import escape

CHUNK = 45_000  # under the protocol's 50,000 URLs per file


def page_urls(written: set[str], site_prefix: str) -> list[str]:
    """Web paths of every HTML page the build wrote, directory-style."""
    out = []
    for rel in sorted(written):
        if not rel.startswith(site_prefix) or not rel.endswith("index.html"):
            continue
        out.append(rel[len(site_prefix):-len("index.html")])
    return out


def write_sitemap(ctx, paths: list[str]) -> int:
    """No <lastmod>: the build date would be wrong for every page that did not change (and would make
    every build rewrite the sitemap); the protocol makes it optional."""
    base = ctx.site_url.rstrip("/") + "/"
    chunks = [paths[i:i + CHUNK] for i in range(0, len(paths), CHUNK)] or [[]]

    def urlset(chunk):
        body = "".join(f"<url><loc>{escape(base + p)}</loc></url>\n" for p in chunk)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}</urlset>\n')

    if len(chunks) == 1:
        ctx.writer.write_text(ctx.site_path("sitemap.xml"), urlset(chunks[0]))
        return 1
    index = "".join(f"<sitemap><loc>{escape(base)}sitemap-{i}.xml</loc></sitemap>\n"
                    for i in range(1, len(chunks) + 1))
    ctx.writer.write_text(ctx.site_path("sitemap.xml"), '<?xml version="1.0" encoding="UTF-8"?>\n'
                          f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{index}</sitemapindex>\n')
    for i, chunk in enumerate(chunks, 1):
        ctx.writer.write_text(ctx.site_path(f"sitemap-{i}.xml"), urlset(chunk))
    return len(chunks) + 1
