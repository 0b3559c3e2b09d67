// What the MkDocs theme's inline script would set, read from this script's data attribute so
// the page needs no inline script (Content-Security-Policy: script-src 'self').
var base_url = document.currentScript.getAttribute("data-base-url") || ".";
var shortcuts = {help: 191, next: 78, previous: 80, search: 83};

// `chartkeep serve` rebuilds when a note is saved: reload the page when the build changes.
(function () {
  if (location.protocol !== "http:" && location.protocol !== "https:") return;
  var seen = null;
  function poll() {
    fetch("/.chartkeep/version", {cache: "no-store", credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (v) {
        if (v === null) return;  // a static copy: nothing to watch
        if (seen !== null && v !== seen) { location.reload(); return; }
        seen = v;
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
