/* Progressive enhancement only: every page works without this file.
   On the search page (sousuo/), ask the lookup API's policy search
   (api/v1/policies?q=) when it is reachable, and fall back to the
   site's own search (mkdocs-material, segmented with jieba) otherwise. */
(function () {
  "use strict";
  var form = document.getElementById("yk-search-form");
  if (!form) return;
  var input = document.getElementById("yk-search-q");
  var out = document.getElementById("yk-search-results");
  var root = new URL("../", location.href);  /* the page is sousuo/; the form may go to api/sousuo/ */
  function text(tag, content, cls) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = content;
    return el;
  }
  function openSiteSearch(q) {
    /* mkdocs-material opens its search with the query from ?q= */
    var url = new URL(root.href);
    url.searchParams.set("q", q);
    location.href = url.href;
  }
  function render(q, data) {
    out.textContent = "";
    var items = (data && data.results) || [];
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
  function search(q) {
    if (!q) return;
    out.textContent = "正在搜索……";
    var api = new URL("api/v1/policies", root);
    api.searchParams.set("q", q);
    fetch(api.href, { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { render(q, data); })
      .catch(function () { openSiteSearch(q); });
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
