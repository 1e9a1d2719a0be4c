// What payments cost (GET /v1/reports/fees, docs/ledger.md "The cost
// report"): fees and effective rate per payment method and asset, charged
// against contracted, what each other method would have cost, and fees over
// time — all exact decimal strings from the node, charted as numbers only
// for drawing.

import { api } from "../api.js";
import { el, link, message, short, table, time } from "../format.js";
import { drawBars } from "../charts.js";
import { may, notAllowed } from "../session.js";

const periods = 12;

export async function render(view) {
  if (!may("reports")) return view.append(el("h1", {}, "Costs"), message("warn", notAllowed("reports")));
  const [report, status, first] = await Promise.all([api.fees(), api.status(), api.block(1).catch(() => null)]);
  const rows = report.rows || [];
  const key = (r) => `${r.method} ${r.asset}`;
  view.append(
    el("h1", {}, "Costs"),
    el("p", { class: "muted" }, "Every payment's fee as the ledger recorded it, by payment method and currency."),
    table(
      [
        { label: "Method", cell: (r) => r.method },
        { label: "Asset", cell: (r) => r.asset },
        { label: "Payments", num: true, cell: (r) => String(r.payments) },
        { label: "Volume", num: true, cell: (r) => r.volume },
        { label: "Fees charged", num: true, cell: (r) => r.fees },
        { label: "Contracted", num: true, cell: (r) => r.contractedFees },
        { label: "Over contract", num: true, cell: (r) => r.feesOverContract },
        { label: "Effective rate (bps)", num: true, cell: (r) => r.effectiveRateBps },
        { label: "Refunds", num: true, cell: (r) => String(r.refunds) },
        { label: "Disputes", num: true, cell: (r) => String(r.disputes) },
      ],
      rows,
      "No payment yet.",
    ),
  );
  if (!rows.length) return;
  const labels = rows.map(key);
  const feesChart = el("div", { class: "chart", id: "chart-fees" });
  const rateChart = el("div", { class: "chart", id: "chart-rate" });
  const whatIfChart = el("div", { class: "chart", id: "chart-what-if" });
  const overTime = el("div", { class: "chart", id: "chart-over-time" });
  view.append(
    el("div", { class: "grid2" },
      el("div", {}, el("h2", {}, "Fees charged and contracted"), feesChart),
      el("div", {}, el("h2", {}, "Effective rate (basis points)"), rateChart)),
    el("h2", {}, "What another method would have saved"),
    whatIfChart,
    el("h2", {}, "Fees over time"),
    overTime,
  );
  await drawBars(feesChart, labels, [
    { label: "charged", data: rows.map((r) => Number(r.fees)) },
    { label: "contracted", data: rows.map((r) => Number(r.contractedFees)) },
  ]);
  await drawBars(rateChart, labels, [{ label: "effective rate, bps", data: rows.map((r) => Number(r.effectiveRateBps)) }]);
  const alternatives = [...new Set(rows.flatMap((r) => (r.whatIf || []).map((w) => w.method)))];
  await drawBars(whatIfChart, labels, alternatives.map((method) => ({
    label: `saving with ${method}`,
    data: rows.map((r) => Number((r.whatIf || []).find((w) => w.method === method)?.saving ?? 0)),
  })));
  await drawOverTime(overTime, first ? first.timestamp : status.lastBlockTime, status.lastBlockTime + 1, labels, key);
  const above = report.aboveContract || { payments: [] };
  view.append(
    el("h2", {}, `Charged above contract (${above.count ?? above.payments.length})`),
    table(
      [
        { label: "Transaction", cell: (p) => link(`#/tx/${p.transaction}`, el("span", { class: "mono" }, short(p.transaction, 10))) },
        { label: "Method", cell: (p) => p.method },
        { label: "Amount", num: true, cell: (p) => `${p.amount} ${p.asset}` },
        { label: "Charged", num: true, cell: (p) => p.charged },
        { label: "Contracted", num: true, cell: (p) => p.contracted },
      ],
      above.payments.slice(0, 50),
      "None: every fee was at most its contract.",
    ),
  );
}

/** The fee report over `periods` equal slices of block time, fees per method and asset in each. */
async function drawOverTime(node, from, to, labels, key) {
  const step = Math.max(1, Math.ceil((to - from) / periods));
  const slices = Array.from({ length: periods }, (_, i) => [from + i * step, from + (i + 1) * step]).filter(([start]) => start < to);
  const reports = await Promise.all(slices.map(([start, end]) => api.fees(start, end)));
  await drawBars(
    node,
    slices.map(([start]) => time(start).slice(0, 16)),
    labels.map((label) => ({ label, stack: "fees", data: reports.map((r) => Number((r.rows || []).find((row) => key(row) === label)?.fees ?? 0)) })),
    { scales: { x: { stacked: true }, y: { stacked: true } } },
  );
}
