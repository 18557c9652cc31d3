// trimtab's own script: nothing inline in any page (the content security policy refuses
// inline scripts), so page behaviour that htmx attributes do not cover goes here.
"use strict";

// A button with data-confirm="..." asks before it submits its form.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
