// Draws every chart of the page: the figure JSON sits in a <script type="application/json">
// block next to its empty <div class="chart">; no inline script runs.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  if (!window.Plotly) {
    return;
  }
  document.querySelectorAll("div.chart[data-figure]").forEach(function (div) {
    var block = document.getElementById(div.dataset.figure);
    if (!block) {
      return;
    }
    var figure = JSON.parse(block.textContent);
    window.Plotly.newPlot(div, figure.data, figure.layout, {
      responsive: true,
      displaylogo: false,
    });
  });
});
