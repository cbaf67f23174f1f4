/* Progressive enhancement of the search page (sousuo/) only: the page works without this file.
   A query is answered in place by the lookup API's policy search (api/v1/policies?q=) when it is
   reachable; otherwise by the site's own index (search/search_index.json, written by
   mkdocs-material's search plugin, words split by jieba), which is fetched only then: never when a
   page opens, since it is about 100 KB gzip on a phone's slow line. */
(function () {
  "use strict";
  var form = document.getElementById("yk-search-form");
  if (!form || !window.fetch) return;
  var input = document.getElementById("yk-search-q");
  var out = document.getElementById("yk-search-results");
  var root = new URL("../", location.href);  /* the page is sousuo/; the form may go to api/sousuo/ */
  var index = null;  /* the site's index, once fetched */
  var MAX = 30;
  function text(tag, content, cls) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = content;
    return el;
  }
  function render(q, items) {
    out.textContent = "";
    out.appendChild(text("h2", items.length ? "找到 " + items.length + " 条结果" : "没有找到“" + q + "”"));
    var ul = document.createElement("ul");
    ul.className = "yk-list";
    items.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = new URL(r.url || "", root).href;
      a.textContent = r.title || "";
      li.appendChild(a);
      if (r.summary) li.appendChild(text("p", r.summary));
      ul.appendChild(li);
    });
    out.appendChild(ul);
  }
  /* The index's text is HTML with zero-width spaces between jieba's words: plain text for matching
     and for the summary (shown with textContent, never as HTML). */
  var ENTITIES = { amp: "&", lt: "<", gt: ">", quot: "\"", "#39": "'", nbsp: " " };
  function plain(html) {
    return html.replace(/<[^>]*>/g, " ").replace(/&(amp|lt|gt|quot|#39|nbsp);/g, function (m, e) { return ENTITIES[e]; })
      .replace(/\u200b/g, "").replace(/\s+/g, " ").trim();
  }
  function count(hay, term) {
    var n = 0, i = hay.indexOf(term);
    while (i >= 0) { n++; i = hay.indexOf(term, i + term.length); }
    return n;
  }
  /* Every word of the query must be in a section (its title or text); a word in the title weighs
     more.  One result per page: its best section. */
  function searchIndex(q) {
    var sep = new RegExp((index.config && index.config.separator) || "[\\s\\-]+", "g");
    var terms = q.toLowerCase().split(sep).filter(Boolean);
    if (!terms.length) return [];
    var titles = {}, best = {};
    index.docs.forEach(function (d) {
      if (d.location.indexOf("#") < 0) titles[d.location] = plain(d.title);
    });
    index.docs.forEach(function (d) {
      var title = plain(d.title), body = plain(d.text);
      var lt = title.toLowerCase(), lb = body.toLowerCase(), score = 0;
      for (var i = 0; i < terms.length; i++) {
        var t = count(lt, terms[i]), b = count(lb, terms[i]);
        if (!t && !b) return;
        score += 10 * t + b;
      }
      var page = d.location.split("#")[0];
      if (best[page] && best[page].score >= score) return;
      var at = Math.max(0, lb.indexOf(terms[0]) - 20);
      var summary = body.slice(at, at + 80);
      if (at > 0) summary = "…" + summary;
      if (at + 80 < body.length) summary += "…";
      var name = titles[page] && titles[page] !== title ? titles[page] + " › " + title : title;
      best[page] = { score: score, url: d.location, title: name || titles[page] || "首页", summary: summary };
    });
    return Object.keys(best).map(function (k) { return best[k]; })
      .sort(function (a, b) { return b.score - a.score; }).slice(0, MAX);
  }
  function siteSearch(q) {
    var ready = index ? Promise.resolve(index) : fetch(new URL("search/search_index.json", root).href)
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { index = data; return data; });
    return ready.then(function () { render(q, searchIndex(q)); });
  }
  function search(q) {
    if (!q) return;
    out.textContent = "正在搜索……";
    var api = new URL("api/v1/policies", root);
    api.searchParams.set("q", q);
    fetch(api.href, { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { render(q, (data && data.results) || []); })
      .catch(function () { return siteSearch(q); })
      .catch(function () { out.textContent = "搜索暂时用不了，请直接看政策清单和制度文件。"; });
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    history.replaceState(null, "", "?q=" + encodeURIComponent(q));
    search(q);
  });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; search(initial); }
})();
