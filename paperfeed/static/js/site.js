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
