/* Back after the receipt. Every step of a report is a POST, and the browser cannot go back
   to a POST it did not keep (no page is cached: no-store) without asking to send it again.
   So when a button that files the report is pressed, this page's history entry becomes
   GET /report/filed first: Back from the receipt then shows "already filed" (public.py).
   Without JavaScript, the browser asks; sending again gets the same plain page. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var filedUrl = form.getAttribute("data-filed-url");
    var button = event.submitter;
    if (!filedUrl || !button || !window.history.replaceState) { return; }
    var narrative = form.querySelector("[name=narrative]");
    var written = narrative && narrative.value.trim() !== "";
    // The server's rule (public.py, _files_now): "submit" files; "continue" files when
    // there is no account to review first.
    if (button.value === "submit" || (button.value === "continue" && !written)) {
      window.history.replaceState(null, "", filedUrl);
    }
  });
}());
