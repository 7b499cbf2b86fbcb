/* The receipt page: copy the code, print the receipt. Progressive enhancement: without
   JavaScript the buttons stay hidden and the page asks the reporter to write the code down.
   On a shared computer a copied receipt would outlive the visit in the clipboard, so
   "Clear and leave" empties the clipboard first when this page filled it. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    // Reloading the receipt must not send the report again: this entry becomes GET
    // /report/filed, which says the report was filed and never shows the receipt again.
    var box = document.querySelector("[data-filed-url]");
    if (box && window.history.replaceState) {
      window.history.replaceState(null, "", box.getAttribute("data-filed-url"));
    }
    var tools = document.getElementById("receipt-tools");
    var code = document.getElementById("receipt-code");
    var status = document.getElementById("copy-status");
    if (!tools || !code || !status) { return; }
    var copied = false;  // anything copied on this page, by the button or by the keyboard
    document.addEventListener("copy", function () { copied = true; });

    function say(text) { status.textContent = text; }

    function selectCode() {
      var range = document.createRange();
      range.selectNodeContents(code);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }

    function copyBySelection() {
      selectCode();
      var done = false;
      try { done = document.execCommand("copy"); } catch (error) { done = false; }
      say(done ? "Copied. Paste it somewhere only you can see."
               : "The receipt is selected: press Ctrl+C (or Command+C) to copy it.");
    }

    document.getElementById("copy-receipt").addEventListener("click", function () {
      say("");
      var text = code.textContent.trim();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () {
          copied = true;
          say("Copied. Paste it somewhere only you can see.");
        }, copyBySelection);
      } else {
        copyBySelection();
      }
    });

    document.getElementById("print-receipt").addEventListener("click", function () {
      window.print();
    });

    var leaving = document.querySelectorAll('form[action$="/leave"]');
    for (var i = 0; i < leaving.length; i++) {
      leaving[i].addEventListener("submit", function (event) {
        if (!copied || !navigator.clipboard) { return; }
        var form = event.currentTarget;
        event.preventDefault();
        var go = function () { form.submit(); };
        navigator.clipboard.writeText("").then(go, go);
      });
    }

    tools.hidden = false;
  });
}());
