// A search card's "N reposts/similar" expands in place: the first time it is opened, the
// story's repeats are fetched from /stories/<id>/copies (a server-rendered, escaped HTML
// fragment of this site) and shown under the card. Without script the link still works.
(function () {
  "use strict";
  document.querySelectorAll("details.story-more[data-src]").forEach(function (d) {
    d.addEventListener("toggle", function () {
      if (!d.open || d.dataset.loaded) { return; }
      d.dataset.loaded = "1";
      var box = d.querySelector(".story-copies");
      fetch(d.dataset.src, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          box.replaceChildren.apply(box, Array.from(doc.body.childNodes));
        })
        .catch(function () { /* keep the link to the story page */ });
    });
  });
})();
