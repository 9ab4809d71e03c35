// Draws the dashboard's charts with Chart.js from the JSON embedded in the page.
// The tables beside them hold the same figures and stay the source of truth.
(function () {
  var holder = document.getElementById("dashboard-data");
  if (!holder || !window.Chart) { return; }
  var payload = JSON.parse(holder.textContent);
  var rtl = payload.rtl;
  var colors = ["#0d6efd", "#adb5bd", "#dc3545", "#198754", "#fd7e14"];
  var kinds = { months: "line" };

  window.Chart.defaults.font.family = "Vazirmatn, system-ui, sans-serif";
  window.Chart.defaults.locale = payload.locale;  // Intl formatting: Persian digits in Persian

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var chart = payload.charts[canvas.getAttribute("data-chart")];
    if (!chart || !chart.labels.length) { canvas.hidden = true; return; }
    var kind = kinds[canvas.getAttribute("data-chart")] || "bar";
    new window.Chart(canvas, {
      type: kind,
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, index) {
          return {
            label: series.label, data: series.data, spanGaps: false,
            backgroundColor: colors[index % colors.length], borderColor: colors[index % colors.length]
          };
        })
      },
      options: {
        locale: payload.locale,
        maintainAspectRatio: false,
        animation: false,
        layout: { padding: { left: 12, right: 12 } },
        plugins: {
          legend: { rtl: rtl, textDirection: rtl ? "rtl" : "ltr", position: "bottom" },
          tooltip: { rtl: rtl, textDirection: rtl ? "rtl" : "ltr" }
        },
        scales: {
          // categories read right to left in Persian, as the tables do
          x: { reverse: rtl, ticks: { autoSkip: false, maxRotation: 60 } },
          y: { beginAtZero: true, position: rtl ? "right" : "left", ticks: { precision: 0 } }
        }
      }
    });
    canvas.setAttribute("data-rendered", "true");
  });
})();
