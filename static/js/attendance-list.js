// Attendance list: a row whose status or reason is changed is marked, its reason field
// opens (on a phone it is folded away until needed), and the number of rows changed but
// not saved yet is shown by "Save". Without this script the list still saves; only the
// reason of a folded row cannot be typed on a phone until the server asks for it.
// The final assessment list (attendees/assessment.html) is marked the same way.
(function () {
  const form =
    document.getElementById("attendance-form") || document.getElementById("assessment-form");
  if (!form) return;
  const counter = form.querySelector("[data-changed-count]");
  const rows = Array.from(form.querySelectorAll("tr[data-enrollment]"));
  function changed(row) {
    return Array.from(row.querySelectorAll("select, input[type=text]")).some(function (el) {
      const initial = form.querySelector(`input[type=hidden][name="initial-${el.name}"]`);
      return initial && initial.value !== el.value;
    });
  }
  function refresh() {
    const n = rows.filter(function (row) {
      const on = changed(row);
      // A row refused by the server stays marked red until it is saved.
      row.classList.toggle("table-info", on && !row.hasAttribute("data-invalid"));
      return on;
    }).length;
    if (counter) counter.textContent = n ? `${form.dataset.changedLabel} ${n}` : "";
  }
  rows.forEach(function (row) {
    const select = row.querySelector("select");
    const reason = row.querySelector("[data-reason]");
    if (select && reason) {
      select.addEventListener("change", function () {
        reason.classList.remove("tc-fold");
      });
    }
    row.addEventListener("input", refresh);
    row.addEventListener("change", refresh);
  });
  refresh();
  // Leaving with changes not saved asks first (the browser's own question).
  let submitting = false;
  form.addEventListener("submit", function () {
    submitting = true;
  });
  window.addEventListener("beforeunload", function (event) {
    if (!submitting && rows.some(changed)) event.preventDefault();
  });
})();
