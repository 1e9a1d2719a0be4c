// Charts with Debian's Chart.js (libjs-chart.js, served by the node at
// vendor/chart.js). Without it the data is shown as a table instead, with a
// note: the explorer never fetches code from anywhere else.

import { el, message, table } from "./format.js";

let loading = null;

/** Distinct colours for the series (Chart.js 3, as Debian ships it, does not pick any). */
const palette = ["#2f5bea", "#f79009", "#12b76a", "#d92d20", "#7a5af8", "#0ba5ec", "#ee46bc", "#667085", "#a15c07", "#087443"];

function loadChart() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!loading) {
    loading = new Promise((resolve) => {
      const script = document.createElement("script");
      script.src = "vendor/chart.js";
      script.onload = () => resolve(window.Chart || null);
      script.onerror = () => resolve(null);
      document.head.append(script);
    });
  }
  return loading;
}

/** A bar chart of `series` ({label, data}) over `labels`, into `node`. */
export async function drawBars(node, labels, series, options = {}) {
  const Chart = await loadChart();
  if (!Chart) {
    node.classList.remove("chart");
    node.replaceChildren(
      message("warn", "Charts need Debian's libjs-chart.js on the node (apt-get install libjs-chart.js); the figures follow as a table."),
      table([{ label: "", cell: (r) => r.label }, ...series.map((s, i) => ({ label: s.label, num: true, cell: (r) => String(r.values[i]) }))],
        labels.map((label, j) => ({ label, values: series.map((s) => s.data[j]) }))),
    );
    return;
  }
  const canvas = el("canvas", { role: "img", "aria-label": options.title || series.map((s) => s.label).join(", ") });
  node.replaceChildren(canvas);
  new Chart(canvas, {
    type: "bar",
    data: { labels, datasets: series.map((s, i) => ({ label: s.label, data: s.data, stack: s.stack, backgroundColor: palette[i % palette.length], borderColor: palette[i % palette.length] })) },
    options: { animation: false, maintainAspectRatio: false, responsive: true, scales: options.scales || {}, plugins: { legend: { display: series.length > 1 } } },
  });
}
