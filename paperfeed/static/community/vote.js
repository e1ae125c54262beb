// Upvote in place: the vote form posts with fetch() and updates its count; without JS it posts and redirects back.
// The button stays enabled and focused (a disabled button drops keyboard focus to <body>); a second press
// while the first is in flight is ignored.
(function () {
  "use strict";
  if (window.pfVoteReady) return;  // the widgets may include this script more than once per page
  window.pfVoteReady = true;

  function say(form, text) {
    var note = form.querySelector(".pf-vote-error");
    if (!note) {
      note = document.createElement("span");
      note.className = "pf-vote-error";
      note.setAttribute("role", "alert");
      form.appendChild(note);
    }
    note.textContent = text;
  }

  function updateTotal(upvotes) {
    // The paper page's "N votes, M imported" line follows the button.
    var total = document.querySelector(".vote-total[data-upvotes]");
    if (!total) return;
    total.setAttribute("data-upvotes", String(upvotes));
    total.textContent = total.textContent.replace(/^\d+ votes?/, upvotes + (upvotes === 1 ? " vote" : " votes"));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("form.pf-vote") : null;
    if (!form || !window.fetch) return;
    event.preventDefault();
    var button = form.querySelector("button");
    if (button.getAttribute("aria-busy") === "true") return;
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    button.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.status === 401) {
          window.location.href = data.login || "/accounts/login/";
          return;
        }
        if (!response.ok) throw new Error(data.error || "Your vote did not go through; please try again.");
        form.classList.toggle("is-voted", data.voted);
        button.setAttribute("aria-pressed", data.voted ? "true" : "false");
        button.title = data.voted ? "Remove your upvote" : "Upvote";
        form.querySelector(".pf-vote-count").textContent = String(data.upvotes);
        if (form.closest(".paper-actions")) updateTotal(data.upvotes);
        say(form, "");
      });
    }).catch(function (error) {
      say(form, error.message);
    }).finally(function () {
      button.removeAttribute("aria-busy");
      if (document.activeElement === document.body) button.focus();
    });
  });
})();
