"""site_src/overrides/partials/yk_search.html: the header's search, with and without the lookup
service (data/site.yaml 查询服务).  The built site (with the service) is tested in test_pages and
tests/lookup_api/test_search_page; here the static-only variant, which the sample does not build."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader

from tests.helpers import REPO


def _render(api: bool) -> str:
    env = Environment(loader=FileSystemLoader(str(REPO / "site_src/overrides")))
    return env.get_template("partials/yk_search.html").render(yk={"api": api}, yk_root="../", yk_mkdocs=False)


def test_with_the_service_the_box_is_a_plain_get_form_to_its_results_page():
    html = _render(True)
    assert '<form class="yk-search" role="search" action="../api/sousuo/" method="get">' in html
    assert 'name="q"' in html and 'type="submit"' in html


def test_static_only_shows_where_to_search_instead_of_a_dead_box():
    html = _render(False)
    assert "<form" not in html and "<input" not in html
    assert 'href="../sousuo/"' in html and 'href="../zhengce/"' in html and "找政策" in html
