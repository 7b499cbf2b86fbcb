/* A live character count under a text box with data-limit. Progressive enhancement: the
   server checks the length and refuses an account that is too long, keeping every word,
   so without JavaScript nothing is lost; with it the reporter sees the count as they type. */
(function () {
  "use strict";
  function attach(box) {
    var limit = parseInt(box.getAttribute("data-limit"), 10);
    var note = document.getElementById(box.id + "-count");
    if (!limit || !note) { return; }
    var format = function (n) { return n.toLocaleString("en-GB"); };
    var update = function () {
      var used = box.value.length;
      if (used > limit) {
        note.textContent = format(used) + " of " + format(limit) + " characters: " +
          format(used - limit) + " too many. Please shorten it before you continue.";
        note.classList.add("count-over");
      } else {
        note.textContent = format(used) + " of " + format(limit) + " characters.";
        note.classList.remove("count-over");
      }
    };
    box.addEventListener("input", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("textarea[data-limit]");
    for (var i = 0; i < boxes.length; i++) { attach(boxes[i]); }
  });
}());
