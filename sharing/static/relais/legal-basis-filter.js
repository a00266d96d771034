// The draft form: only the legal bases of the chosen category are offered. The map comes from
// the page (json_script: data, never executed); without this script every basis is shown and
// the server refuses one that does not apply, next to the field.
(function () {
  "use strict";
  var source = document.getElementById("relais-bases-by-category");
  if (!source) {
    return;
  }
  var allowed = JSON.parse(source.textContent);
  var categories = document.querySelectorAll('input[name="category"]');
  var bases = document.querySelectorAll('input[name="legal_basis"]');

  function optionOf(input) {
    return input.closest(".fr-fieldset__element") || input.closest(".fr-radio-group") || input;
  }

  function narrow() {
    var chosen = document.querySelector('input[name="category"]:checked');
    var list = chosen ? allowed[chosen.value] : null;
    bases.forEach(function (input) {
      var applies = !list || list.length === 0 || list.indexOf(Number(input.value)) !== -1;
      optionOf(input).hidden = !applies;
      input.disabled = !applies;
      if (!applies) {
        input.checked = false;
      }
    });
  }

  categories.forEach(function (input) {
    input.addEventListener("change", narrow);
  });
  narrow();
})();
