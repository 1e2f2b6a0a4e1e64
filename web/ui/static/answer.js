// frontdesk web UI, the ticket page's reply form: who else has the ticket
// open (live), and the canned reply picker. Progressive enhancements only:
// without this script the page shows who held the ticket when it was
// loaded, and canned replies are inserted with the list and its Insert
// button, which ask the server.
(function () {
  "use strict";

  // Presence: while the page is shown, say every 15 s that it is open, and
  // show the answer — who holds the ticket, who else has it open, and a
  // warning when it changed hands since the page was loaded. A hidden page
  // says nothing (and so drops out after 40 s); shown again, it says so at
  // once.
  function presence(form) {
    var box = document.getElementById("presence");
    if (!box || !box.dataset.presence) return;
    function ping() {
      if (document.hidden) return;
      var body = new URLSearchParams();
      body.set("csrf", form.querySelector('input[name="csrf"]').value);
      body.set("seen", document.getElementById("reply-seen").value);
      fetch(box.dataset.presence, { method: "POST", credentials: "same-origin", body: body, headers: { "Accept": "text/html" } })
        .then(function (r) {
          if (r.redirected) { location.reload(); return Promise.reject("signed out"); }
          return r.ok ? r.text() : Promise.reject(r.status);
        })
        .then(function (html) {
          // Only a change is put in place: the region is live, and screen
          // readers would read out the same words every 15 s.
          var t = document.createElement("template");
          t.innerHTML = html;
          if (t.innerHTML.trim() !== box.innerHTML.trim()) box.innerHTML = html;
          box.removeAttribute("data-stale");
          var p = box.querySelector(".presence");
          var side = document.getElementById("ticket-assignee");
          if (p && side && side.dataset.live !== "off") side.textContent = p.dataset.assignee || side.dataset.nobody || "nobody";
        })
        .catch(function () { box.setAttribute("data-stale", "true"); });
    }
    setInterval(ping, 15000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) ping(); });
  }

  // insertAt puts text into the textarea in place of [from, to) and moves
  // the caret after it.
  function insertAt(ta, from, to, text) {
    ta.value = ta.value.slice(0, from) + text + ta.value.slice(to);
    var caret = from + text.length;
    ta.focus();
    ta.setSelectionRange(caret, caret);
  }

  // Canned replies: "#" at the start of a word in the reply box opens a
  // list of the canned replies whose name holds what follows it; arrows
  // move, Enter or Tab (or a click) inserts the reply, filled in, in place
  // of "#…", Esc closes the list. The list under the box inserts at the
  // caret too.
  function picker(ta) {
    var sel = document.getElementById("canned-select");
    var list = document.getElementById("canned-picker");
    var none = document.getElementById("canned-picker-none");
    if (!sel || !list) return;
    var all = Array.prototype.filter.call(sel.options, function (o) { return o.value !== ""; })
      .map(function (o) { return { name: o.value, label: o.textContent, text: o.getAttribute("data-text") || "" }; });
    var matches = [], active = 0, start = -1, dismissed = -1;

    function word() {
      if (ta.selectionStart !== ta.selectionEnd) return null;
      var before = ta.value.slice(0, ta.selectionStart);
      var m = /(^|\s)#([^\s#]*)$/.exec(before);
      if (!m) return null;
      return { start: before.length - m[2].length - 1, query: m[2].toLowerCase() };
    }
    function close() {
      list.hidden = true;
      if (none) none.hidden = true;
      ta.setAttribute("aria-expanded", "false");
      ta.removeAttribute("aria-activedescendant");
      matches = [];
    }
    function render() {
      list.innerHTML = "";
      matches.forEach(function (m, i) {
        var li = document.createElement("li");
        li.id = "canned-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        li.dataset.name = m.name;
        var name = document.createElement("strong");
        name.textContent = m.label;
        var preview = document.createElement("small");
        preview.className = "muted";
        preview.textContent = " " + m.text.slice(0, 80) + (m.text.length > 80 ? "…" : "");
        li.appendChild(name);
        li.appendChild(preview);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = matches.length === 0;
      if (none) none.hidden = matches.length > 0;
      ta.setAttribute("aria-expanded", "true");
      if (matches.length) ta.setAttribute("aria-activedescendant", "canned-option-" + active);
      else ta.removeAttribute("aria-activedescendant");
      var cur = document.getElementById("canned-option-" + active);
      if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: "nearest" });
    }
    function update() {
      var w = word();
      if (!w || w.start === dismissed) { if (!w) dismissed = -1; close(); return; }
      start = w.start;
      matches = all.filter(function (m) { return m.name.toLowerCase().indexOf(w.query) >= 0; });
      matches.sort(function (a, b) {
        var pa = a.name.toLowerCase().indexOf(w.query) === 0 ? 0 : 1, pb = b.name.toLowerCase().indexOf(w.query) === 0 ? 0 : 1;
        return pa - pb;
      });
      active = 0;
      render();
    }
    function choose(i) {
      var m = matches[i];
      if (!m) return;
      insertAt(ta, start, ta.selectionStart, m.text);
      close();
    }
    ta.addEventListener("input", update);
    ta.addEventListener("click", update);
    ta.addEventListener("blur", function () { setTimeout(close, 100); });
    ta.addEventListener("keyup", function (e) {
      if (e.key === "ArrowLeft" || e.key === "ArrowRight" || e.key === "Home" || e.key === "End") update();
    });
    ta.addEventListener("keydown", function (e) {
      if (ta.getAttribute("aria-expanded") !== "true" || e.ctrlKey || e.metaKey || e.altKey) return;
      switch (e.key) {
        case "ArrowDown":
          if (!matches.length) return;
          e.preventDefault();
          active = (active + 1) % matches.length;
          render();
          break;
        case "ArrowUp":
          if (!matches.length) return;
          e.preventDefault();
          active = (active - 1 + matches.length) % matches.length;
          render();
          break;
        case "Enter":
        case "Tab":
          if (!matches.length) return;
          e.preventDefault();
          choose(active);
          break;
        case "Escape":
          e.preventDefault();
          e.stopPropagation();
          dismissed = start;
          close();
          break;
      }
    });

    // The list under the box: Insert puts the chosen reply at the caret.
    var insert = document.getElementById("canned-insert");
    if (insert) {
      insert.addEventListener("click", function (e) {
        var o = sel.options[sel.selectedIndex];
        if (!o || o.value === "") return; // the server says to choose one
        e.preventDefault();
        insertAt(ta, ta.selectionStart, ta.selectionEnd, o.getAttribute("data-text") || "");
        sel.value = "";
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("reply-form");
    var ta = document.getElementById("reply-text");
    if (!form || !ta) return;
    presence(form);
    picker(ta);
  });
})();
