// The crisis brief's chart: negative and other mentions over the crisis window, the
// brand's normal level as a dashed line, alert moments as markers whose labels sit above
// the plot, on different rows when they would touch (they never print over each other). Then the
// distinctive terms, fetched after the page (word segmentation is slow). Data comes
// from <script type="application/json" id="brief-data">; crawled words are set as text.
(function () {
  "use strict";
  var el = document.getElementById("brief-data");
  var node = document.getElementById("brief-chart");
  var ready = 0;
  function done() {
    ready += 1;
    if (ready === 2) { document.body.setAttribute("data-brief-ready", "1"); }
  }
  if (el && node && typeof echarts !== "undefined") {
    var d = JSON.parse(el.textContent);
    var chart = echarts.init(node, null, { renderer: "canvas" });
    // labels horizontal above the plot, one row (16 px) higher each, the plot lowered to
    // make room (as the overview's); a label reads away from the nearer edge of the chart
    // (rotated along the line, they were cut at the plot's top and over the peak bar); rows
    // by the labels' widths at this chart's width (markers.js), again on a resize
    var draw = function () {
      var rows = 0;
      var placed = window.radarMarkerRows(d.labels, d.markers, node.clientWidth - 40 - 16, 11);
      var marks = d.markers.map(function (m, k) {
        var p = placed[k];
        rows = Math.max(rows, p.row);
        return { xAxis: m.label, label: { formatter: m.text, position: "end", align: p.right ? "right" : "left",
                                          distance: 4 + 16 * p.row, fontSize: 11 } };
      });
      marks.push({ yAxis: d.baseline, lineStyle: { color: "#555", type: "dashed" },
                   label: { formatter: d.names.baseline, position: "insideStartTop", fontSize: 11 } });
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { top: 0, right: 0, data: [d.names.negative, d.names.other] },
        grid: { left: 40, right: 16, top: 30 + (d.markers.length ? 20 + 16 * rows : 0), bottom: 30 },
        xAxis: { type: "category", data: d.labels },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: d.names.negative, type: "bar", stack: "v", data: d.negative, itemStyle: { color: "#d9534f" },
            markLine: { symbol: "none", silent: true, lineStyle: { color: "#b30000", type: "solid" }, data: marks } },
          { name: d.names.other, type: "bar", stack: "v", data: d.other, itemStyle: { color: "#cfd6dd" } }
        ]
      });
    };
    draw();
    window.addEventListener("resize", function () { chart.resize(); draw(); });
  }
  done();
  var list = document.getElementById("brief-terms");
  if (!list) { done(); return; }
  fetch(list.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(function (body) {
      list.replaceChildren();
      body.terms.forEach(function (t) {
        var li = document.createElement("li");
        li.textContent = t[0] + " ×" + t[1];
        list.appendChild(li);
      });
      if (!body.terms.length) {
        var li = document.createElement("li");
        li.textContent = body.none;
        list.appendChild(li);
      }
    })
    .catch(function () { list.replaceChildren(); })
    .finally(done);
})();
