// Watches an audit export being written: asks the page's JSON form every two seconds and
// updates the progress bar, then shows the download button. Without JavaScript, the page's
// "Refresh" button does the same by hand.
(function () {
  "use strict";
  var box = document.getElementById("export-progress");
  if (!box || box.dataset.done === "1" || box.dataset.failed === "1") {
    return;
  }
  var bar = document.getElementById("export-bar");
  var percent = document.getElementById("export-percent");
  var status = document.getElementById("export-status");
  var count = document.getElementById("export-count");
  var live = document.getElementById("export-live");
  var download = document.getElementById("export-download");
  var refresh = document.getElementById("export-refresh");
  function poll() {
    fetch(box.dataset.progressUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      })
      .then(function (data) {
        bar.value = data.progress;
        bar.textContent = data.progress + " %";
        percent.textContent = data.progress + " %";
        status.textContent = data.status_label;
        count.textContent = data.processed + " / " + data.total;
        if (data.done) {
          download.classList.remove("fr-hidden");
          if (refresh) {
            refresh.classList.add("fr-hidden");
          }
          live.textContent = data.status_label;
          box.dataset.done = "1";
          return;
        }
        if (data.failed) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
