// Draws the executive charts with Apache ECharts (vendored, see vendor/echarts/).
// Data comes from <script type="application/json" id="chart-data">: never from HTML.
// Tooltips use ECharts' richText mode, so crawled words are drawn as text, not HTML.
(function () {
  "use strict";
  var el = document.getElementById("chart-data");
  if (!el || typeof echarts === "undefined") { return; }
  var d = JSON.parse(el.textContent);
  // the words of the charts in the page's language (<script id="chart-labels">, _figures.html)
  var labelsEl = document.getElementById("chart-labels");
  var L = labelsEl ? JSON.parse(labelsEl.textContent) : {};
  function t(key, fallback) { return L[key] || fallback; }
  function sentimentName(k) { return t(k, k); }
  var COLORS = { negative: "#d9534f", neutral: "#9aa5b1", positive: "#3c9d5d", unscored: "#cfd6dd" };
  var tooltip = { trigger: "axis", renderMode: "richText" };
  var charts = [];

  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node) { return; }
    var c = echarts.init(node, null, { renderer: "canvas" });
    option.animation = false;
    c.setOption(option);
    charts.push(c);
  }

  // moments of one point are one marker; close markers' labels sit on different rows
  // (m.row, radar/web/figures.stagger), as on the brief's chart
  // (horizontal labels above the plot, one row higher each; the plot starts lower to make room);
  // a label reads away from the nearer edge of the chart, as the brief's: centred on a marker
  // of the last points, 'P1 已预警 · P1 已解决 · P1 重新打开' ran off the right
  // rows by the labels' widths at this chart's width (markers.js), not by chart points
  var volumeNode = document.getElementById("chart-volume");
  var rows = 0;
  var placed = window.radarMarkerRows(d.labels, d.moments, (volumeNode ? volumeNode.clientWidth : 0) - 50 - 50, 11);
  var marks = d.moments.map(function (m, k) {
    var p = placed[k];
    rows = Math.max(rows, p.row);
    return { xAxis: m.label, name: m.text,
             label: { formatter: m.text, position: "end", align: p.right ? "right" : "left",
                      distance: 4 + 16 * p.row, fontSize: 11 } };
  });
  // on a phone the title takes the whole width: the legend goes on a line of its own below
  var narrow = volumeNode && volumeNode.clientWidth < 600;
  chart("chart-volume", {
    title: { text: t("volume", "Volume (bars, left) and negative share % (line, right)"), left: 0, top: 0,
             textStyle: { fontSize: 14 } },
    tooltip: tooltip,
    legend: narrow ? { top: 24, left: 0 } : { top: 0, right: 0 },
    grid: { left: 50, right: 50, top: (narrow ? 76 : 60) + 16 * rows, bottom: 40 },
    xAxis: { type: "category", data: d.labels },
    yAxis: [{ type: "value", minInterval: 1 },
            { type: "value", max: 100, splitLine: { show: false },
              axisLabel: { formatter: "{value}%" } }],
    series: [
      { name: sentimentName("negative"), type: "bar", stack: "v", data: d.negative, itemStyle: { color: COLORS.negative },
        markLine: { symbol: "none", lineStyle: { color: "#b30000", type: "dashed" }, data: marks } },
      { name: sentimentName("neutral"), type: "bar", stack: "v", data: d.neutral, itemStyle: { color: COLORS.neutral } },
      { name: sentimentName("positive"), type: "bar", stack: "v", data: d.positive, itemStyle: { color: COLORS.positive } },
      { name: t("negative_share", "negative share %"), type: "line", yAxisIndex: 1, data: d.negative_share, showSymbol: false,
        connectNulls: false,
        lineStyle: { color: "#7a1f1f", width: 2 }, itemStyle: { color: "#7a1f1f" } }
    ]
  });

  chart("chart-sentiment", {
    title: { text: t("sentiment", "Sentiment"), textStyle: { fontSize: 14 } },
    tooltip: { trigger: "item", renderMode: "richText" },
    series: [{ type: "pie", radius: ["35%", "65%"], top: 20, label: { formatter: "{b}\n{c}" },
      data: Object.keys(d.sentiment).map(function (k) {
        return { name: sentimentName(k), value: d.sentiment[k], itemStyle: { color: COLORS[k] || "#888" } };
      }) }]
  });

  var sources = Object.keys(d.sources);
  chart("chart-sources", {
    title: { text: t("sources", "Sources"), textStyle: { fontSize: 14 } },
    tooltip: tooltip,
    grid: { left: 110, right: 20, top: 40, bottom: 20 },
    xAxis: { type: "value" },
    yAxis: { type: "category", data: sources.slice().reverse() },
    series: [{ type: "bar", data: sources.map(function (k) { return d.sources[k]; }).reverse(),
               itemStyle: { color: "#4a78b5" } }]
  });

  // top terms are slow to compute (word segmentation), so they arrive after the page
  function drawTerms(list, note) {
    var node = document.getElementById("chart-terms");
    // as many words as have a line of 13 px each (the title and axis take 60): 15 on a
    // desktop, 11 in a phone's shorter chart, where 15 words wrote over each other
    var room = node ? Math.floor((node.clientHeight - 16 - 60) / 13) : 15;
    var terms = list.slice(0, Math.max(5, Math.min(15, room))).reverse();
    if (node && echarts.getInstanceByDom(node)) {
      charts.splice(charts.indexOf(echarts.getInstanceByDom(node)), 1);
      echarts.getInstanceByDom(node).dispose();
    }
    chart("chart-terms", {
      title: { text: t("terms", "Top terms") + (note || ""), textStyle: { fontSize: 14 } },
      tooltip: tooltip,
      grid: { left: 90, right: 20, top: 40, bottom: 20 },
      xAxis: { type: "value", minInterval: 1 },
      // every bar its word: by default ECharts left every other one out when they crowd
      yAxis: { type: "category", data: terms.map(function (t) { return t[0]; }),
               axisLabel: { interval: 0, fontSize: 11 } },
      series: [{ type: "bar", data: terms.map(function (t) { return t[1]; }), itemStyle: { color: "#8a6bb8" } }]
    });
    document.body.setAttribute("data-charts-ready", String(charts.length));
  }
  chart("chart-terms", { title: { text: t("terms", "Top terms") + t("counting", " (counting…)"), textStyle: { fontSize: 14 } } });
  fetch(d.terms_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(function (body) { drawTerms(body.terms); })
    .catch(function () { drawTerms([], t("unavailable", " (unavailable)")); });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
