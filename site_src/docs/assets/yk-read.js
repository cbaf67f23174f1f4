// 读给我听: reads a page's [data-yk-read] region aloud with the browser's own speech (zh-CN).
// Markup contract: [data-yk-read-slot] (where the button goes), [data-yk-say] (read as is, or
// its value), table[data-yk-rows] (each body row as "第一行，" + its [data-yk-cell] cells:
// name ("*" read as 某), money (in Chinese words plus 元), text).  Progressive enhancement:
// nothing shows without speechSynthesis and a Chinese voice.
(function () {
  "use strict";
  var synth = window.speechSynthesis;
  var region = document.querySelector("[data-yk-read]");
  if (!synth || !region || !window.SpeechSynthesisUtterance) return;
  var D = "零一二三四五六七八九", U = ["", "十", "百", "千"], BIG = ["", "万", "亿", "万亿"];

  function group(n) {  // 1..9999
    var out = "", zero = false;
    for (var p = 3; p >= 0; p--) {
      var d = Math.floor(n / Math.pow(10, p)) % 10;
      if (!d) { zero = out !== ""; continue; }
      out += (zero ? "零" : "") + D[d] + U[p];
      zero = false;
    }
    return out;
  }
  function number(n) {  // a whole number in words: 1080 → 一千零八十, 12 → 十二
    if (n === 0) return "零";
    var out = "", pending = false;
    for (var i = BIG.length - 1; i >= 0; i--) {
      var g = Math.floor(n / Math.pow(10000, i)) % 10000;
      if (!g) { pending = out !== ""; continue; }
      out += (out && (pending || g < 1000) ? "零" : "") + group(g) + BIG[i];
      pending = false;
    }
    return out.replace(/^一十/, "十");
  }
  function money(s) {  // "1,080.00" → 一千零八十元, "12.50" → 十二元五角, "0.05" → 五分
    var m = /^(-?)(\d+)(?:\.(\d)(\d)?)?$/.exec(s.replace(/[,\s元¥￥]/g, ""));
    if (!m) return s;
    var yuan = parseInt(m[2], 10), jiao = +(m[3] || 0), fen = +(m[4] || 0);
    var out = (yuan ? number(yuan) + "元" : "") + (jiao ? D[jiao] + "角" : "") +
      (fen ? (yuan && !jiao ? "零" : "") + D[fen] + "分" : "");
    return (m[1] ? "负" : "") + (out || "零元");
  }
  function clean(s) { return s.replace(/\s+/g, " ").trim(); }
  var CELLS = {
    name: function (s) { return s.replace(/[*＊]/g, "某"); },
    money: money,
    text: function (s) { return s; }
  };
  function texts(button) {
    var out = [];
    region.querySelectorAll("[data-yk-say], table[data-yk-rows]").forEach(function (el) {
      var table = el.parentElement && el.parentElement.closest("table[data-yk-rows]");
      if (table && region.contains(table)) return;  // read with its row
      if (el.tagName !== "TABLE") {
        var said = el.getAttribute("data-yk-say") || clean(el.textContent.replace(button.textContent, ""));
        if (said) out.push(said);
        return;
      }
      el.querySelectorAll("tbody tr").forEach(function (tr, i) {
        var cells = [];
        tr.querySelectorAll("[data-yk-cell]").forEach(function (c) {
          var said = (CELLS[c.getAttribute("data-yk-cell")] || CELLS.text)(clean(c.textContent));
          if (said) cells.push(said);
        });
        out.push("第" + number(i + 1) + "行，" + cells.join("，"));
      });
    });
    return out;
  }
  function chineseVoice() {
    var voices = synth.getVoices() || [], best = null;
    for (var i = 0; i < voices.length; i++) {
      var lang = (voices[i].lang || "").replace("_", "-");
      if (/^(zh|cmn)(-Hans)?-CN$/i.test(lang)) return voices[i];
      if (!best && /^(zh|cmn)\b/i.test(lang) && !/HK|yue/i.test(lang)) best = voices[i];
    }
    return best;
  }
  var button = null;
  function offer() {
    var voice = chineseVoice();
    if (!voice || button) return;
    button = document.createElement("button");
    button.type = "button";
    button.className = "yk-read";
    var idle = "读给我听", busy = "停止朗读";
    button.textContent = idle;
    function stop() { synth.cancel(); button.textContent = idle; button.setAttribute("aria-pressed", "false"); }
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      if (button.textContent === busy) return stop();
      synth.cancel();
      var items = texts(button);
      button.textContent = busy;
      button.setAttribute("aria-pressed", "true");
      items.forEach(function (text, i) {
        var u = new SpeechSynthesisUtterance(text);
        u.lang = "zh-CN";
        try { u.voice = voice; } catch (e) { /* lang alone picks a voice */ }
        u.rate = 0.9;  // a little slower than the default: the readers are often old
        if (i === items.length - 1) u.onend = function () { button.textContent = idle; button.setAttribute("aria-pressed", "false"); };
        synth.speak(u);
      });
      if (!items.length) stop();
    });
    var slot = region.querySelector("[data-yk-read-slot]");
    if (slot) slot.appendChild(button); else region.insertBefore(button, region.firstChild);
    window.addEventListener("pagehide", function () { synth.cancel(); });
  }
  offer();
  if (!button && synth.addEventListener) synth.addEventListener("voiceschanged", offer);
})();
