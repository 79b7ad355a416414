// The "stores near you" slot on the home page: shown only when the visitor shares
// their location. Local stores arrive with their own issue; until then the slot
// explains that. Never asks for the location before the visitor clicks.
(function () {
  "use strict";
  function reveal() {
    var slot = document.querySelector("[data-nearby]");
    var ask = document.querySelector("[data-nearby-ask]");
    if (slot) slot.hidden = false;
    if (ask) ask.hidden = true;
  }
  function locate() {
    navigator.geolocation.getCurrentPosition(function () { reveal(); }, function () {});
  }
  function init() {
    var ask = document.querySelector("[data-nearby-ask]");
    if (!ask || !("geolocation" in navigator)) return;
    var button = ask.querySelector("[data-nearby-button]");
    button.addEventListener("click", locate);
    if (navigator.permissions && navigator.permissions.query) {
      navigator.permissions.query({ name: "geolocation" }).then(function (state) {
        if (state.state === "granted") locate(); else ask.hidden = false;
      }, function () { ask.hidden = false; });
    } else {
      ask.hidden = false;
    }
  }
  // The search filters start folded on a phone and open on a wide screen.
  function openFilters() {
    if (!window.matchMedia("(min-width: 56rem)").matches) return;
    document.querySelectorAll("details[data-filters]").forEach(function (d) { d.open = true; });
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("DOMContentLoaded", openFilters);
  document.addEventListener("htmx:afterSettle", openFilters);
})();
