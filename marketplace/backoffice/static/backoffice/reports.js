// The report charts: Chart.js (vendored) drawing the figures the page embeds with
// json_script. Every chart has the same figures in the table below it.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("report-data");
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var common = { responsive: true, maintainAspectRatio: false, animation: false };
    var money = document.querySelector("canvas[data-chart=money]");
    if (money) {
      new Chart(money, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            { label: money.dataset.labelGmv, data: data.gmv, backgroundColor: "#1d4ed8" },
            { label: money.dataset.labelRefunds, data: data.refunds, backgroundColor: "#b91c1c" },
            { label: money.dataset.labelPayouts, data: data.payouts, backgroundColor: "#15803d" }
          ]
        },
        options: common
      });
    }
    var rate = document.querySelector("canvas[data-chart=take-rate]");
    if (rate) {
      new Chart(rate, {
        type: "line",
        data: { labels: data.labels, datasets: [{ label: rate.dataset.label, data: data.take_rate,
          borderColor: "#7c3aed", spanGaps: true }] },
        options: common
      });
    }
    var vendors = document.querySelector("canvas[data-chart=vendors]");
    if (vendors) {
      new Chart(vendors, {
        type: "bar",
        data: { labels: data.labels, datasets: [{ label: vendors.dataset.label, data: data.new_vendors,
          backgroundColor: "#f59e0b" }] },
        options: Object.assign({}, common, { scales: { y: { ticks: { precision: 0 } } } })
      });
    }
    document.documentElement.dataset.chartsDrawn = "true";
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
