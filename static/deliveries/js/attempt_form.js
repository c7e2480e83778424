// Delivery attempt form: the chosen outcome shows the fieldsets that apply to it.
// Progressive enhancement only: without this script every fieldset shows. Nothing is dropped:
// a fieldset of another outcome that holds a value stays visible (marked), so that what will
// be sent is always on screen; the server refuses a record that contradicts itself (C-CONSENT,
// C-ALT, C-DELIVER...) and says which rule.
(function () {
  "use strict";

  function chosenOutcome(form) {
    var checked = form.querySelector('input[name="outcome"]:checked');
    return checked ? checked.value : "";
  }

  function holdsValue(fieldset) {
    return Array.prototype.some.call(fieldset.querySelectorAll("input, select, textarea"), function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        return el.checked;
      }
      return el.type !== "hidden" && el.value.trim() !== "";
    });
  }

  function update(form) {
    var outcome = chosenOutcome(form);
    form.querySelectorAll("fieldset[data-outcomes]").forEach(function (fieldset) {
      var outcomes = fieldset.getAttribute("data-outcomes").split(" ");
      var applies = outcome !== "" && outcomes.indexOf(outcome) !== -1;
      var stray = !applies && holdsValue(fieldset);
      fieldset.hidden = !applies && !stray;
      fieldset.classList.toggle("attempt-stray", stray);
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
