// Each <time data-local> shows its instant in UTC; this adds the reader's own time zone.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const node of document.querySelectorAll("time[data-local]")) {
    const moment = new Date(node.getAttribute("datetime"));
    if (Number.isNaN(moment.getTime())) continue;
    const local = document.createElement("span");
    local.className = "local-time";
    local.textContent = " (your time: " + moment.toLocaleString(undefined, {
      dateStyle: "medium", timeStyle: "short", timeZoneName: "short",
    }) + ")";
    node.after(local);
  }
});
