// Show only the evidence fields the chosen basis needs (the server checks them regardless).
(function () {
  "use strict";
  var code = document.getElementById("id_code");
  if (!code) { return; }
  var evidence = {
    "ID-1": ["shooting"],
    "ID-2": ["shooting"],
    "ID-2I": ["shooting"],
    "ID-3": ["justification"],
    "ID-4": ["gvis_meeting", "link_analysis"],
    "ID-5": ["referral_source", "referred_by", "referral_date"]
  };
  var all = ["shooting", "gvis_meeting", "link_analysis", "referral_source", "referred_by",
             "referral_date", "justification"];
  function update() {
    var wanted = evidence[code.value] || all;
    all.forEach(function (name) {
      var wrapper = document.getElementById("div_id_" + name);
      if (wrapper) { wrapper.classList.toggle("d-none", wanted.indexOf(name) === -1); }
    });
  }
  code.addEventListener("change", update);
  update();
})();
