// Upvote in place: the vote form posts with fetch() and updates its count; without JS it posts and redirects back.
(function () {
  "use strict";
  if (window.pfVoteReady) return;  // the widgets may include this script more than once per page
  window.pfVoteReady = true;
  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("form.pf-vote") : null;
    if (!form || !window.fetch) return;
    event.preventDefault();
    var button = form.querySelector("button");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      if (response.status === 401) {
        window.location.href = "/accounts/login/?next=" + encodeURIComponent(window.location.pathname);
        return null;
      }
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || "Vote failed");
        form.classList.toggle("is-voted", data.voted);
        button.setAttribute("aria-pressed", data.voted ? "true" : "false");
        button.title = data.voted ? "Remove your upvote" : "Upvote";
        form.querySelector(".pf-vote-count").textContent = String(data.upvotes);
      });
    }).catch(function (error) {
      window.alert(error.message);
    }).finally(function () {
      button.disabled = false;
    });
  });
})();
