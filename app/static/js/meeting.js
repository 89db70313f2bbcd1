/* Meeting mode: reveal the draw one member at a time. Without script every step is simply shown. */
(function () {
  "use strict";
  var list = document.querySelector("ol[data-reveal]");
  if (!list) return;
  var items = Array.prototype.slice.call(list.children);
  // The result table follows the draw: row i appears with step i, so the room learns it in order.
  var rows = Array.prototype.slice.call(document.querySelectorAll(".results tbody tr"));
  var shown = 0;
  items.forEach(function (li) { li.classList.add("pending"); });
  rows.forEach(function (tr) { tr.hidden = true; });
  function reveal(n) {
    items.forEach(function (li, i) {
      li.classList.toggle("pending", i >= n);
      li.classList.toggle("latest", i === n - 1);
    });
    rows.forEach(function (tr, i) { tr.hidden = i >= n; });
    shown = n;
    if (items[n - 1]) items[n - 1].scrollIntoView({block: "center"});
  }
  document.querySelector("[data-next]").addEventListener("click", function () { reveal(Math.min(shown + 1, items.length)); });
  document.querySelector("[data-all]").addEventListener("click", function () { reveal(items.length); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight" || e.key === " ") { e.preventDefault(); reveal(Math.min(shown + 1, items.length)); }
  });
})();
