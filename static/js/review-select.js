// Review page: an "all in this class/unit" box ticks its rows, a row unticked clears the
// boxes above it (so the server, which also expands those boxes, gets only what is shown
// ticked), and the number ticked is shown by the Apply button. Without this script the
// boxes still work: the server expands them (attendees/views.py, _with_groups).
(function () {
  const form = document.getElementById("review-form");
  if (!form) return;
  const rows = Array.from(form.querySelectorAll("input[name=ids]"));
  const boxes = Array.from(form.querySelectorAll("input[data-select-all]"));
  const counter = form.querySelector("[data-ticked-count]");
  function rowsOf(box) {
    const group = box.dataset.selectAll;
    return rows.filter((r) => r.dataset.groupRow.split(" ").includes(group));
  }
  function refresh() {
    boxes.forEach(function (box) {
      const mine = rowsOf(box);
      const ticked = mine.filter((r) => r.checked).length;
      box.checked = mine.length > 0 && ticked === mine.length;
      box.indeterminate = ticked > 0 && ticked < mine.length;
    });
    if (counter) {
      const n = rows.filter((r) => r.checked).length;
      counter.textContent = n ? `${form.dataset.tickedLabel} ${n}` : "";
    }
  }
  boxes.forEach(function (box) {
    // A box kept ticked after an error: its rows are ticked by the server already.
    box.addEventListener("change", function () {
      rowsOf(box).forEach((r) => (r.checked = box.checked));
      refresh();
    });
  });
  rows.forEach((r) => r.addEventListener("change", refresh));
  refresh();
})();
