// The account form shows only what the chosen role is bound to: the unit for a unit
// officer (optional for a viewer), the trainer record for a trainer. Without JavaScript
// every field shows and the server ignores what the role does not use.
(function () {
  const form = document.getElementById("account-form");
  if (!form) return;
  const unit = document.getElementById("div_id_organisation");
  const trainer = document.getElementById("div_id_trainer");
  function update() {
    const chosen = form.querySelector("input[name=role]:checked");
    const role = chosen ? chosen.value : "";
    if (unit) unit.hidden = role === "trainer";
    if (trainer) trainer.hidden = role !== "trainer";
  }
  form.querySelectorAll("input[name=role]").forEach(function (input) {
    input.addEventListener("change", update);
  });
  update();
})();
