/* 个人补贴发放结果查询: progressive enhancement of the plain form on chaxun/.
 * Without this script the form posts to the API and gets a complete HTML page back.
 * With it, the same request is sent as JSON and the result is shown in place.
 * Everything from the server is inserted as text (textContent), never as HTML.
 */
(function () {
  "use strict";
  var form = document.getElementById("lookup-form");
  var out = document.getElementById("lookup-result");
  if (!form || !out || !window.fetch || !window.JSON) { return; }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  function showError(message, requestId) {
    out.textContent = "";
    var p = el("p", message, "error");
    p.setAttribute("role", "alert");
    out.appendChild(p);
    if (requestId) { out.appendChild(el("p", "错误编号：" + requestId)); }
  }

  function render(data) {
    out.textContent = "";
    var h = el("h2", data.found ? "查询结果" : "没有查到发放记录");
    h.tabIndex = -1;
    out.appendChild(h);
    (data.years || []).forEach(function (y) {
      out.appendChild(el("h3", y.year + "年：已到账合计 " + y.total + " 元"));
      y.programmes.forEach(function (p) {
        out.appendChild(el("h4", p.name + "（短信简称“" + p.short_name + "”）"));
        p.payments.forEach(function (x) {
          var ok = x.status === "已发放" || x.status === "已补发";
          var box = el("div", null, "payment" + (ok ? "" : " fail"));
          box.appendChild(el("p", x.period_label + "　" + x.amount + " 元　" + x.status));
          box.appendChild(el("p", "发放日期：" + x.date + "；" + x.bank + "，卡号尾号 " + x.card_tail));
          box.appendChild(el("p", x.explanation));
          box.appendChild(el("p", "下一步：" + x.next_step));
          if (x.status === "发放失败") {
            var ask = el("a", "对这笔发放有疑问：在线咨询、投诉");
            ask.href = "../zixun/?xiangmu=" + encodeURIComponent(p.code);
            box.appendChild(ask);
          }
          out.appendChild(box);
        });
      });
    });
    // Notices after the answer (the answer is what the person came for).
    (data.alerts || []).forEach(function (a) {
      var box = el("div", null, "yk-notice" + (a.level === "紧急" ? " yk-notice--urgent" : ""));
      box.appendChild(el("p", "【" + a.level + "】" + a.title, "yk-notice__title"));
      (a.text || "").split("\n").forEach(function (line) { box.appendChild(el("p", line)); });
      box.appendChild(el("p", "有效期：" + a.period + " · 适用：" + a.scope, "yk-notice__meta"));
      out.appendChild(box);
    });
    var ul = el("ul");
    (data.notices || []).forEach(function (n) { ul.appendChild(el("li", n)); });
    out.appendChild(ul);
    (data.windows || []).forEach(function (w) {
      out.appendChild(el("p", w.name + "　地址：" + w.address + "　电话：" + w.phone + "　办公时间：" + w.hours));
    });
    if (data.data_version) { out.appendChild(el("p", "数据版本：" + data.data_version.label)); }
    h.focus();
  }

  // The proof-of-work solver (zixun/pow.js, the form's data-pow), fetched only when a challenge
  // arrives: most people never get one, and a phone on 2G need not load it for nothing.
  function withPow(then) {
    if (window.ykPow) { then(); return; }
    var script = document.createElement("script");
    script.src = form.getAttribute("data-pow");
    script.onload = function () { if (window.ykPow) { then(); } else { form.submit(); } };
    script.onerror = function () { form.submit(); };  // the plain form post asks the sum instead
    document.head.appendChild(script);
  }

  function send(request, tries) {
    var button = form.querySelector("button[type=submit]");
    fetch(form.action, { method: "POST", headers: { "Content-Type": "application/json" },
                         body: JSON.stringify(request), credentials: "omit", cache: "no-store" })
      .then(function (resp) {
        return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
      })
      .then(function (r) {
        if (r.ok) { render(r.data); }
        // Past the ID's free budget (issue 18): solve the proof-of-work (zixun/pow.js), then ask again.
        else if (r.data.challenge && form.getAttribute("data-pow") && tries < 3) {
          out.textContent = "这个身份证号码今天查询较多，正在验证，请稍等几秒……";
          withPow(function () {
            window.ykPow.solve(r.data.challenge.challenge, function (counter) {
              request.challenge = r.data.challenge.challenge;
              request.pow = String(counter);
              send(request, tries + 1);
            });
          });
          return true;
        }
        else { showError(r.data.message || "查询失败，请稍后再试。", r.data.request_id); }
      })
      .catch(function () {
        form.submit();  // the network or the script failed: fall back to the plain form post
      })
      .then(function (waiting) { if (button && !waiting) { button.disabled = false; } });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    var id = form.elements.id_number.value;
    var compact = id.replace(/\s+/g, "").replace(/[０-９]/g, function (d) {
      return String.fromCharCode(d.charCodeAt(0) - 0xFEE0);
    });
    // The "最后一位是 X" box (phone keyboards with digits only): 17 digits get their X, as the server does.
    if (form.elements.id_x && form.elements.id_x.checked && /^[0-9]{17}$/.test(compact)) { id = compact + "X"; }
    var request = { id_number: id, name: form.elements.name.value };
    if (button) { button.disabled = true; }
    out.textContent = "正在查询……";
    send(request, 0);
  });
}());
