// frontdesk web UI: progressive enhancements only; every page works without
// this script. No inline script is allowed by the pages' CSP, so all
// behaviour hangs off data attributes.
(function () {
  "use strict";

  // Times: <time datetime="RFC 3339"> shown in the viewer's own timezone.
  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d)) {
        el.title = el.getAttribute("datetime");
        el.textContent = d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
      }
    });
  }

  // Live refresh: an element with data-refresh="URL" has its content
  // replaced every data-interval seconds (default 5) with the HTML at URL,
  // a fragment rendered by the server.
  function liveRefresh() {
    document.querySelectorAll("[data-refresh]").forEach(function (el) {
      var url = el.getAttribute("data-refresh");
      var every = (parseInt(el.getAttribute("data-interval"), 10) || 5) * 1000;
      setInterval(function () {
        if (document.hidden) return;
        fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
          .then(function (r) {
            // A session that has ended answers with the login page, after a
            // redirect: load the whole page again, which leads there, rather
            // than show the login form inside the board.
            if (r.redirected) { location.reload(); return Promise.reject("signed out"); }
            return r.ok ? r.text() : Promise.reject(r.status);
          })
          .then(function (html) {
            el.innerHTML = html;
            localTimes(el);
            el.removeAttribute("data-stale");
          })
          .catch(function () { el.setAttribute("data-stale", "true"); });
      }, every);
    });
  }

  // Mail bodies are shown in sandboxed frames of our own origin without
  // scripts; size each frame to its content once loaded. The root's
  // offsetHeight is the content's height; its scrollHeight is never less
  // than the frame itself, so a frame sized by it could only grow.
  function sizeFrames() {
    document.querySelectorAll("iframe[data-autosize]").forEach(function (f) {
      function fit() {
        try {
          var d = f.contentDocument;
          if (!d || !d.body) return;
          var h = Math.max(d.documentElement.offsetHeight, d.body.scrollHeight);
          f.style.height = Math.min(Math.max(h + 16, 60), 2000) + "px";
        } catch (e) { /* not readable: keep the default height */ }
      }
      f.addEventListener("load", fit);
      fit();
    });
  }

  // "Show remote images" loads them into the mail's frame; the notice above
  // it then says they are shown instead of blocked.
  function remoteImages() {
    document.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a.show-images");
      if (!a) return;
      var note = a.closest(".remote-images");
      if (note) note.innerHTML = "<small>Remote images are shown.</small>";
    });
  }

  // Forms with data-confirm ask first.
  function confirms() {
    document.addEventListener("submit", function (e) {
      var msg = e.target.getAttribute("data-confirm");
      if (msg && !window.confirm(msg)) e.preventDefault();
    }, true);
  }

  // Rule editor: an action row shows only the inputs its type takes (those
  // inside [data-types="type …"]), and any input already filled in.
  // Without the script every input shows; routing names a misplaced one.
  function actionRows() {
    document.querySelectorAll("select[data-action-type]").forEach(function (sel) {
      var row = sel.closest("[data-row]");
      if (!row) return;
      function update() {
        row.querySelectorAll("[data-types]").forEach(function (el) {
          var filled = Array.prototype.some.call(el.querySelectorAll("input, textarea"), function (i) { return i.value !== ""; });
          var applies = el.getAttribute("data-types").split(" ").indexOf(sel.value) >= 0;
          el.hidden = sel.value !== "" && !applies && !filled;
        });
      }
      sel.addEventListener("change", update);
      update();
    });
  }

  // Rule editor: Enter in the draft test's mailbox field tests the draft
  // instead of pressing the form's first button, Save.
  function draftTestEnter() {
    var mb = document.getElementById("rule-test-mailbox");
    var run = document.getElementById("rule-test-run");
    if (!mb || !run || !mb.form || mb.form.id !== "rule-form") return;
    mb.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); mb.form.requestSubmit(run); }
    });
  }

  // Forms that read a time the viewer typed get the browser's timezone
  // (an input with data-timezone); without it the server reads UTC.
  function timezones() {
    var tz = "";
    try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* old browser */ }
    document.querySelectorAll("input[data-timezone]").forEach(function (el) { el.value = tz; });
  }

  // Mentions: typing @ and the start of a name in a textarea with
  // data-mentions="ann bob …" offers the names that match; arrows choose,
  // Enter or Tab takes one, Escape closes the list.
  function mentions() {
    document.querySelectorAll("textarea[data-mentions]").forEach(function (ta) {
      var names = ta.getAttribute("data-mentions").split(" ").filter(Boolean);
      if (!names.length) return;
      var list = document.createElement("ul");
      list.className = "mention-list";
      list.id = ta.id + "-mentions";
      list.setAttribute("role", "listbox");
      list.hidden = true;
      ta.parentNode.insertBefore(list, ta.nextSibling);
      ta.setAttribute("aria-controls", list.id);
      var shown = [], chosen = 0, start = -1;
      function close() { list.hidden = true; shown = []; start = -1; }
      function render() {
        list.innerHTML = "";
        shown.forEach(function (n, i) {
          var li = document.createElement("li");
          li.setAttribute("role", "option");
          li.setAttribute("aria-selected", i === chosen ? "true" : "false");
          li.textContent = "@" + n;
          li.addEventListener("mousedown", function (e) { e.preventDefault(); take(n); });
          list.appendChild(li);
        });
        list.hidden = shown.length === 0;
      }
      function take(n) {
        var before = ta.value.slice(0, start), after = ta.value.slice(ta.selectionStart);
        ta.value = before + "@" + n + " " + after;
        var at = before.length + n.length + 2;
        ta.setSelectionRange(at, at);
        close();
        ta.focus();
      }
      ta.addEventListener("input", function () {
        var upto = ta.value.slice(0, ta.selectionStart);
        var m = /(^|[^\w.@-])@([a-z0-9._-]*)$/i.exec(upto);
        if (!m) { close(); return; }
        start = upto.length - m[2].length - 1;
        var q = m[2].toLowerCase();
        shown = names.filter(function (n) { return n.indexOf(q) === 0; }).slice(0, 8);
        chosen = 0;
        render();
      });
      ta.addEventListener("keydown", function (e) {
        if (list.hidden) return;
        if (e.key === "ArrowDown") { chosen = (chosen + 1) % shown.length; render(); e.preventDefault(); }
        else if (e.key === "ArrowUp") { chosen = (chosen + shown.length - 1) % shown.length; render(); e.preventDefault(); }
        else if (e.key === "Enter" || e.key === "Tab") { take(shown[chosen]); e.preventDefault(); }
        else if (e.key === "Escape") { close(); e.preventDefault(); }
      });
      ta.addEventListener("blur", close);
    });
  }

  // Keyboard shortcuts: n take next, r reply, Ctrl+Enter send, g q / g m,
  // ? help. Ignored while typing in a field (except Ctrl+Enter).
  function shortcuts() {
    var pendingG = false;
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && t && t.form && t.id === "reply-text") {
        e.preventDefault();
        t.form.requestSubmit(document.getElementById("reply-send"));
        return;
      }
      if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
      if (pendingG) {
        pendingG = false;
        if (e.key === "q") { location.href = "/"; }
        if (e.key === "m") { location.href = "/mine"; }
        return;
      }
      switch (e.key) {
        case "n":
          var b = document.getElementById("take-next");
          if (b) { e.preventDefault(); b.form.requestSubmit(b); }
          break;
        case "r":
          var ta = document.getElementById("reply-text");
          if (ta) { e.preventDefault(); ta.focus(); ta.scrollIntoView({ block: "center" }); }
          break;
        case "g":
          pendingG = true;
          setTimeout(function () { pendingG = false; }, 1000);
          break;
        case "?":
          var d = document.getElementById("shortcuts");
          if (d && d.showModal) { d.showModal(); }
          break;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    liveRefresh();
    sizeFrames();
    confirms();
    remoteImages();
    actionRows();
    draftTestEnter();
    timezones();
    mentions();
    shortcuts();
  });
})();
