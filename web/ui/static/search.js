// frontdesk web UI: the header's search box. "/" focuses it; while the user
// types, the results (a fragment the server renders, /search/results?q=)
// show under it after a short pause; Enter opens the whole search page,
// which also works without this script. Up and Down move through the
// results, Escape closes them.
(function () {
  "use strict";

  function setup() {
    var box = document.getElementById("search-box");
    var live = document.getElementById("search-live");
    if (!box || !live) return;
    var timer = null, asked = "", seq = 0;

    function close() {
      live.hidden = true;
      box.setAttribute("aria-expanded", "false");
    }
    function show(html) {
      live.innerHTML = html;
      live.hidden = false;
      box.setAttribute("aria-expanded", "true");
    }
    function ask() {
      var q = box.value;
      if (q.trim() === "") { asked = ""; close(); return; }
      if (q === asked && !live.hidden) return;
      asked = q;
      var mine = ++seq;
      fetch("/search/results?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) {
          if (r.redirected) { location.reload(); return Promise.reject("signed out"); }
          return r.ok ? r.text() : Promise.reject(r.status);
        })
        .then(function (html) {
          if (mine !== seq || box.value !== q) return; // a later query answers
          show(html);
        })
        .catch(function () { /* the page search still works */ });
    }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    box.addEventListener("focus", function () { if (box.value.trim() !== "" && live.innerHTML !== "") { live.hidden = false; } });
    function links() { return Array.prototype.slice.call(live.querySelectorAll("a")); }
    function onKey(e) {
      var all = links(), i = all.indexOf(document.activeElement);
      if (e.key === "Escape") { close(); box.focus(); e.preventDefault(); }
      else if (e.key === "ArrowDown" && !live.hidden && all.length) { all[Math.min(i + 1, all.length - 1)].focus(); e.preventDefault(); }
      else if (e.key === "ArrowUp" && !live.hidden && i >= 0) { if (i === 0) { box.focus(); } else { all[i - 1].focus(); } e.preventDefault(); }
    }
    box.addEventListener("keydown", onKey);
    live.addEventListener("keydown", onKey);
    document.addEventListener("click", function (e) {
      if (!live.hidden && !live.contains(e.target) && e.target !== box) close();
    });
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
      if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        box.focus();
        box.select();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
