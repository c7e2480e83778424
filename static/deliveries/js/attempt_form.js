// Delivery attempt form: the chosen outcome shows the fieldsets that apply to it.
// Progressive enhancement only: without this script every fieldset shows, and the server
// drops what does not belong to the outcome and checks every SOP rule.
(function () {
  "use strict";

  function chosenOutcome(form) {
    var checked = form.querySelector('input[name="outcome"]:checked');
    return checked ? checked.value : "";
  }

  function update(form) {
    var outcome = chosenOutcome(form);
    form.querySelectorAll("fieldset[data-outcomes]").forEach(function (fieldset) {
      var outcomes = fieldset.getAttribute("data-outcomes").split(" ");
      fieldset.hidden = outcome === "" || outcomes.indexOf(outcome) === -1;
    });
    form.querySelectorAll("[data-shown-when-no]").forEach(function (block) {
      var name = block.getAttribute("data-shown-when-no");
      var answer = form.querySelector('input[name="' + name + '"]:checked');
      block.hidden = !(answer === null || answer.value === "no");
    });
  }

  function init() {
    document.querySelectorAll("form[data-attempt-form]").forEach(function (form) {
      update(form);
      form.addEventListener("change", function () {
        update(form);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
