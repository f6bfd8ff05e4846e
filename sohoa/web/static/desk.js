// A little plain JavaScript for the desk; every page works without it.
// - Unit fields (input[data-suggest] with a <datalist>): as one types, ask the server for the
//   few units matching the text (no diacritics needed) instead of sending hundreds of options.
// - Uploads still running ([data-job]): poll /api/jobs/ID (read from the database) and update the
//   counts in place; when the job ends, reload so the server renders its outcome.
(function () {
  "use strict";

  function later(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    input.addEventListener("input", later(function () {
      var text = input.value.trim();
      if (!text) return;
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(text), {
        credentials: "same-origin", headers: { Accept: "application/json" }
      }).then(function (r) { return r.ok ? r.json() : []; }).then(function (units) {
        var options = units.map(function (u) {
          var option = document.createElement("option");
          option.value = u.name;
          option.label = u.code;
          return option;
        });
        list.replaceChildren.apply(list, options);
      }).catch(function () {});
    }, 150));
  });

  document.querySelectorAll("[data-job]").forEach(function (box) {
    var status = box.querySelector("[data-job-status]");
    var bar = box.querySelector("progress");
    function tick() {
      fetch("/api/jobs/" + box.dataset.job, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (job) {
          if (!job) { setTimeout(tick, 3000); return; }
          if (job.state !== "running") { window.location.reload(); return; }
          status.textContent = status.dataset.text.replace(/\{(\w+)\}/g, function (_, key) { return job[key]; });
          bar.max = Math.max(job.files_total, 1);
          bar.value = job.files_done;
          setTimeout(tick, 1500);
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    setTimeout(tick, 1000);
  });
})();
