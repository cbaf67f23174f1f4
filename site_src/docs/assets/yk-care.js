// 关怀版 (larger type, higher contrast, bigger targets).  The header checkbox turns it on for
// one page through CSS :has() even without JavaScript; this file remembers the choice
// (localStorage) and, loaded in <head>, restores it before the first paint.
(function () {
  var KEY = "yk-care", root = document.documentElement;
  function stored() {
    try { return localStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }
  function apply(on) {
    root.classList.toggle("yk-care", on);
    var box = document.getElementById("yk-care");
    if (box) box.checked = on;
  }
  apply(stored());
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("yk-care");
    if (!box) return;
    apply(stored() || box.checked);
    box.addEventListener("change", function () {
      apply(box.checked);
      try { localStorage.setItem(KEY, box.checked ? "1" : "0"); } catch (e) { /* private mode: this page only */ }
    });
  });
  // A page restored from the back-forward cache shows the choice made on a later page.
  window.addEventListener("pageshow", function (e) { if (e.persisted) apply(stored()); });
})();
