// Progress bar of a background job (a certificate print run, a year export): poll its
// status until it finishes, then reload so the page shows the download (or the error).
(function () {
  "use strict";
  const box = document.getElementById("batch");
  if (!box || box.dataset.active !== "1") return;
  const bar = box.querySelector('[data-batch="bar"]');
  const label = box.querySelector('[data-batch="label"]');
  const counter = box.querySelector('[data-batch="counter"]');
  const progress = bar.parentElement;

  async function poll() {
    let status;
    try {
      const response = await fetch(box.dataset.statusUrl, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      status = await response.json();
    } catch (error) {
      // A dropped connection is not the job failing: keep polling, a little slower.
      setTimeout(poll, 3000);
      return;
    }
    bar.style.width = status.percent + "%";
    progress.setAttribute("aria-valuenow", String(status.percent));
    label.textContent = status.state_label;
    // In the job's own unit ("23/77 giấy chứng nhận"), not its internal steps.
    counter.textContent = status.counter || status.done + "/" + status.total;
    if (status.state === "done" || status.state === "failed") {
      window.location.reload();
      return;
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 500);
})();
