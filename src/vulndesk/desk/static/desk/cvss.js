// The CVSS calculator of the report page: keeps the "CVSS vector" field and the metric radio
// buttons in step. It only writes the vector; the score always comes from the server, which asks
// the `cvss` library (htmx fetches it when the field changes). Without this file the page still
// works: each metric group has its own "Build CVSS … vector" button.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-cvss-form]");
  if (!form) return;
  const field = form.querySelector("input[name=vector]");

  // With the vector built as you click, the per-group Preview buttons only add noise.
  for (const button of form.querySelectorAll("[data-cvss-build]")) button.hidden = true;

  form.addEventListener("change", (event) => {
    const radio = event.target;
    if (!radio.matches("input[type=radio][data-cvss-metric]")) return;
    const group = radio.closest("[data-cvss-version]");
    const parts = [];
    for (const checked of group.querySelectorAll("input[type=radio]:checked")) {
      parts.push(`${checked.dataset.cvssMetric}:${checked.value}`);
    }
    field.value = `CVSS:${group.dataset.cvssVersion}/${parts.join("/")}`;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // A vector typed or pasted in checks the radio buttons it names.
  field.addEventListener("input", () => {
    const [prefix, ...pairs] = field.value.trim().split("/");
    const version = { "CVSS:3.0": "3.1", "CVSS:3.1": "3.1", "CVSS:4.0": "4.0" }[prefix];
    const group = version && form.querySelector(`[data-cvss-version="${version}"]`);
    if (!group) return;
    for (const pair of pairs) {
      const [metric, value] = pair.split(":");
      for (const radio of group.querySelectorAll("input[type=radio]")) {
        if (radio.dataset.cvssMetric === metric) radio.checked = radio.value === value;
      }
    }
  });
});
