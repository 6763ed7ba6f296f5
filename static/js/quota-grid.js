// Live totals on the quota grid: per unit, per category and against the capacity, so the
// coordinator sees "12 seats left" while typing instead of after saving.
(function () {
  const table = document.querySelector("table.table-quota");
  if (!table) return;
  const capacity = Number(table.dataset.capacity);
  const status = document.getElementById("quota-status");
  const inputs = Array.from(table.querySelectorAll("tbody input"));
  function value(input) {
    const n = parseInt(input.value, 10);
    return Number.isFinite(n) && n > 0 ? n : 0;
  }
  function update() {
    let total = 0;
    const columns = [];
    table.querySelectorAll("tbody tr").forEach(function (row) {
      let rowTotal = 0;
      row.querySelectorAll("input").forEach(function (input, i) {
        const n = value(input);
        rowTotal += n;
        columns[i] = (columns[i] || 0) + n;
      });
      row.querySelector("[data-row-total]").textContent = rowTotal;
      total += rowTotal;
    });
    table.querySelectorAll("[data-column-total]").forEach(function (cell, i) {
      cell.textContent = columns[i] || 0;
    });
    table.querySelector("[data-grand-total]").textContent = total;
    const left = capacity - total;
    status.textContent = left >= 0 ? status.dataset.left.replace("{n}", left) : status.dataset.over.replace("{n}", -left);
    status.classList.toggle("text-bg-danger", left < 0);
    status.classList.toggle("text-bg-success", left >= 0);
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
  update();
})();
