/* Japra: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // A form that takes a while (a big import) says so and cannot be sent twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-busy]") || form.matches("form[data-upload-progress]")) return;
    var status = form.querySelector("[data-busy-status]");
    if (status) { status.textContent = form.getAttribute("data-busy"); status.hidden = false; }
    setTimeout(function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }, 0);  // after the browser has read which button was pressed
  });

  // Uploads show how much has been sent; the server answers {"next": url} to this request.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-upload-progress]") || !window.FormData) return;
    event.preventDefault();
    var bar = form.querySelector("progress");
    var status = form.querySelector("[data-busy-status]");
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Japra-Upload", "1");
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      bar.hidden = false;
      bar.value = Math.round((e.loaded / e.total) * 100);
      status.hidden = false;
      status.textContent = e.loaded < e.total ? form.getAttribute("data-sending") + " " + bar.value + "%"
                                              : form.getAttribute("data-busy");
    });
    xhr.addEventListener("load", function () {
      var next = null;
      try { next = JSON.parse(xhr.responseText).next; } catch (e) { next = null; }
      if (xhr.status >= 200 && xhr.status < 300 && typeof next === "string" && next.charAt(0) === "/") {
        window.location.assign(next);
        return;
      }
      // A refusal is a whole page (the form again with the message): show it as it is.
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      status.textContent = form.getAttribute("data-failed");
    });
    button.disabled = true;
    xhr.send(new FormData(form));
  });
})();
