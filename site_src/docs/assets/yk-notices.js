// Hide urgent-notice banners whose end time has passed (the page may be older than the notice).
(function () {
  var now = Date.now();
  document.querySelectorAll("[data-yk-end]").forEach(function (el) {
    var end = Date.parse(el.getAttribute("data-yk-end"));
    if (!isNaN(end) && end <= now) el.hidden = true;
  });
  document.querySelectorAll(".yk-notices").forEach(function (box) {
    if (!box.querySelector("[data-yk-end]:not([hidden])")) box.hidden = true;
  });
})();
