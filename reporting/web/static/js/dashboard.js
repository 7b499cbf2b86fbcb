/* Draws the dashboard's charts from the JSON in #chart-data. Progressive enhancement: every
   number is already in the tables, which stay on the page; without JavaScript nothing is lost.
   Hidden cells are null: a gap in the line and a hatched mark under the period, never a value. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var hiddenLabel = data.hiddenLabel;
  // Okabe-Ito colours (distinguishable with colour-vision deficiency) and two more; each
  // line also has its own point shape, so colour is never the only cue.
  var colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
    "#8C6D00", "#882255", "#7F7F7F"];
  var pointStyles = ["circle", "rect", "triangle", "rectRot", "crossRot", "star", "rectRounded",
    "cross", "dash", "line"];

  function hatch() {
    var tile = document.createElement("canvas");
    tile.width = 8; tile.height = 8;
    var ctx = tile.getContext("2d");
    ctx.strokeStyle = "#4b5563"; ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.moveTo(0, 8); ctx.lineTo(8, 0); ctx.moveTo(-2, 2); ctx.lineTo(2, -2);
    ctx.moveTo(6, 10); ctx.lineTo(10, 6); ctx.stroke();
    return tile;
  }

  function hiddenAt(chart, index) {
    return chart.data.datasets.filter(function (set) { return set.data[index] === null; })
      .map(function (set) { return set.label; });
  }

  // Under each period with a hidden cell: a hatched mark of fixed size, not a bar.
  var hiddenMarks = {
    id: "hiddenMarks",
    afterDraw: function (chart) {
      var x = chart.scales.x, ctx = chart.ctx;
      var pattern = ctx.createPattern(hatch(), "repeat");
      var slot = chart.data.labels.length > 1 ? Math.abs(x.getPixelForValue(1) - x.getPixelForValue(0)) : 40;
      var width = Math.max(8, Math.min(28, slot * 0.6)), top = chart.chartArea.bottom + x.height + 4;
      ctx.save();
      chart.data.labels.forEach(function (_, index) {
        if (!hiddenAt(chart, index).length) { return; }
        var centre = x.getPixelForValue(index);
        ctx.fillStyle = pattern; ctx.strokeStyle = "#4b5563"; ctx.lineWidth = 1;
        ctx.fillRect(centre - width / 2, top, width, 10);
        ctx.strokeRect(centre - width / 2, top, width, 10);
      });
      ctx.restore();
    }
  };

  function draw(figure, spec) {
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", spec.title + ". The numbers are in the table below.");
    var box = document.createElement("div");
    box.className = "chart-box";
    box.appendChild(canvas);
    figure.appendChild(box);
    var caption = document.createElement("figcaption");
    caption.className = "chart-caption";
    caption.innerHTML = '<span class="hatch-key"></span> A gap in a line and a hatched mark under a period: ' +
      'a number hidden for anonymity (it can be large). Hover a period for the names.';
    figure.appendChild(caption);
    figure.removeAttribute("aria-hidden");
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: spec.periods,
        datasets: spec.series.map(function (series, i) {
          var colour = colours[i % colours.length];
          return {
            label: series.label, data: series.values, spanGaps: false,
            borderColor: colour, backgroundColor: colour, borderWidth: 2,
            borderDash: i >= colours.length ? [6, 4] : [],
            pointStyle: pointStyles[i % pointStyles.length], pointRadius: 3.5, pointHoverRadius: 5
          };
        })
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        layout: { padding: { bottom: 16 } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Reports" } } },
        plugins: {
          legend: { position: window.innerWidth < 700 ? "bottom" : "right", labels: { usePointStyle: true, boxWidth: 10, boxHeight: 8 } },
          tooltip: {
            filter: function (item) { return item.raw !== null; },
            callbacks: {
              footer: function (items) {
                if (!items.length) { return ""; }
                var names = hiddenAt(items[0].chart, items[0].dataIndex);
                return names.length ? hiddenLabel.charAt(0).toUpperCase() + hiddenLabel.slice(1) + ": " + names.join(", ") : "";
              }
            }
          }
        }
      },
      plugins: [hiddenMarks]
    });
    var details = figure.parentNode.querySelector("details.chart-table");
    if (details) { details.open = false; }
  }

  data.charts.forEach(function (spec) {
    var figure = document.querySelector('[data-chart="' + spec.id + '"]');
    if (figure) { draw(figure, spec); }
  });
}());
