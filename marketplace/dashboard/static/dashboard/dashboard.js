/* The vendor dashboard: sales charts from the page's json_script, and the
   bulk-ship table (ticking a row when its tracking number is typed). */
(function () {
  "use strict";

  function major(amount, currency) {
    var exponent = currency === "JPY" || currency === "KRW" ? 0 : 2;
    return amount / Math.pow(10, exponent);
  }

  function drawCharts() {
    var source = document.getElementById("sales-data");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var money = function (values) {
      return values.map(function (v) { return major(v, data.currency); });
    };
    var formatter = new Intl.NumberFormat(document.documentElement.lang, {
      style: "currency", currency: data.currency
    });
    var rows = document.getElementById("sales-rows");
    if (rows) {
      data.labels.forEach(function (label, i) {
        var tr = document.createElement("tr");
        [label, String(data.orders[i]),
         formatter.format(major(data.revenue[i], data.currency)),
         formatter.format(major(data.refunds[i], data.currency))].forEach(function (text, j) {
          var cell = document.createElement(j === 0 ? "th" : "td");
          if (j === 0) cell.scope = "row"; else cell.className = "num";
          cell.textContent = text;
          tr.appendChild(cell);
        });
        rows.appendChild(tr);
      });
    }
    var options = { responsive: true, maintainAspectRatio: false, animation: false,
                    scales: { y: { beginAtZero: true } } };
    var orders = document.querySelector("canvas[data-chart=orders]");
    if (orders) {
      new window.Chart(orders, {
        type: "bar",
        data: { labels: data.labels, datasets: [
          { label: orders.dataset.label, data: data.orders, backgroundColor: "#1f6feb" }
        ] },
        options: options
      });
    }
    var amounts = document.querySelector("canvas[data-chart=money]");
    if (amounts) {
      new window.Chart(amounts, {
        type: "line",
        data: { labels: data.labels, datasets: [
          { label: amounts.dataset.labelRevenue, data: money(data.revenue), borderColor: "#1a7f37", backgroundColor: "#1a7f37" },
          { label: amounts.dataset.labelRefunds, data: money(data.refunds), borderColor: "#b00d27", backgroundColor: "#b00d27" }
        ] },
        options: options
      });
    }
  }

  function linkTrackingToTicks() {
    document.addEventListener("input", function (event) {
      var input = event.target;
      if (!input.name || input.name.indexOf("tracking_") !== 0) return;
      var box = document.getElementById("pick-" + input.name.slice(9));
      if (box && input.value.trim()) box.checked = true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    linkTrackingToTicks();
  });
})();
