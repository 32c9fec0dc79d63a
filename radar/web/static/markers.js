// Rows for the alert markers' labels above a chart (the brief's and the overview's), so
// that no label prints over another at any width: each takes the lowest row where it
// clears the labels already there. Boxes are measured in pixels — a label reads away from
// the nearer edge (it ends at its marker in the right half, starts at it in the left) —
// since rows counted in chart points let 'P1 预警 · 已确认' and '已解决 · 重新打开', four
// 5-minute points apart, cover each other on a 1360 px screen and all three of a case's
// labels run together on a phone.
window.radarMarkerRows = function (labels, markers, plotWidth, fontSize) {
  "use strict";
  var ctx = document.createElement("canvas").getContext("2d");
  ctx.font = fontSize + "px sans-serif";  // ECharts' default family
  var step = plotWidth / Math.max(labels.length, 1);
  var taken = [];  // per row: the [left, right] pixel boxes of its labels
  return markers.map(function (m) {
    var i = labels.indexOf(m.label);
    var x = (i + 0.5) * step;
    var width = ctx.measureText(m.text).width;
    var right = i > labels.length / 2;
    var box = right ? [x - width, x] : [x, x + width];
    var row = 0;
    while ((taken[row] || []).some(function (b) { return box[0] < b[1] + 8 && b[0] < box[1] + 8; })) {
      row += 1;
    }
    (taken[row] = taken[row] || []).push(box);
    return { row: row, right: right };
  });
};
