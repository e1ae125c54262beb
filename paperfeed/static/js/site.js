// Render $…$ and $$…$$ in titles and abstracts with the vendored KaTeX.
// auto-render only reads text nodes, so the escaped text from the server never becomes markup.
(function () {
  "use strict";
  function renderMath() {
    if (typeof window.renderMathInElement !== "function") return;
    var options = {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "\\[", right: "\\]", display: true },
        { left: "$", right: "$", display: false },
        { left: "\\(", right: "\\)", display: false }
      ],
      throwOnError: false,
      strict: "ignore",
      trust: false,
      maxSize: 50,
      maxExpand: 200
    };
    var nodes = document.querySelectorAll(".math");
    for (var i = 0; i < nodes.length; i++) {
      try { window.renderMathInElement(nodes[i], options); } catch (e) { /* leave the text as it is */ }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderMath);
  } else {
    renderMath();
  }
})();

// Long author lists are one tab stop: Tab enters the list at one name, arrow keys (and Home/End)
// move between names, Tab leaves. Short lists keep one stop per name.
(function () {
  "use strict";
  var MANY = 5;
  function rove(list) {
    var links = Array.prototype.slice.call(list.querySelectorAll("a[href]"));
    if (links.length <= MANY) return;
    list.setAttribute("role", "group");
    list.setAttribute("aria-label", links.length + " authors: use the arrow keys to move between names");
    links.forEach(function (link, i) { link.tabIndex = i === 0 ? 0 : -1; });
    list.addEventListener("keydown", function (event) {
      var at = links.indexOf(document.activeElement);
      if (at < 0) return;
      var to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: links.length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      to = Math.max(0, Math.min(links.length - 1, to));
      links[at].tabIndex = -1;
      links[to].tabIndex = 0;
      links[to].focus();
    });
  }
  function setup() {
    var lists = document.querySelectorAll(".authors");
    for (var i = 0; i < lists.length; i++) rove(lists[i]);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
