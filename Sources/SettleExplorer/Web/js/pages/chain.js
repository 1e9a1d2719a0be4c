// The chain at a glance: height and last block, the validators and peers,
// transactions and commit latency per minute over the last hour (the node's GET /v1/activity),
// commit latency (from the node's metrics), kept live by the event stream.

import { api } from "../api.js";
import { ago, card, el, fields, link, message, short, table, time } from "../format.js";
import { parseMetrics, quantile, value } from "../metrics.js";
import { followBlocks, pageLifetime } from "../events.js";
import { drawBars } from "../charts.js";
import { may, notAllowed } from "../session.js";
import { verdictBadge } from "../trust.js";
import { verifyRun } from "../verdicts.js";

/** Most block headers read back to cover the last hour (one request). */
const maxBlocks = 100;

export async function render(view, _params, stillShown) {
  const [status, validators, metricsText] = await Promise.all([api.status(), api.validators(), may("metrics") ? api.metrics().catch(() => null) : null]);
  const heightCard = card("Height", String(status.height));
  const lastCard = card("Last block", status.height ? ago(status.lastBlockTime) : "none yet");
  view.append(
    el("h1", {}, `Chain ${status.chainId}`),
    el("div", { class: "cards" }, heightCard, lastCard, card("Validators", `${validators.validators.length} (power ${validators.totalPower})`),
      card("Observers", String((validators.observers || []).length)), card("This node", status.role), card("Mempool", String(status.mempoolSize)),
      card("Health", status.health ? status.health.status : "")),
  );
  if (metricsText) {
    const samples = parseMetrics(metricsText);
    const p50 = quantile(samples, "settle_commit_latency_seconds", 0.5);
    const p99 = quantile(samples, "settle_commit_latency_seconds", 0.99);
    const committed = value(samples, "settle_commit_latency_seconds_count");
    if (p50 !== null) {
      view.append(el("h2", {}, "Commit latency (this node, since it started)"),
        el("div", { class: "cards" }, card("p50 at most", `${Math.round(p50 * 1000)} ms`), card("p99 at most", `${Math.round(p99 * 1000)} ms`),
          card("Transactions timed", String(committed))));
    }
  }
  // Each validator's last signed height: from the certificates of the latest headers, verified here (when a genesis is pinned).
  const blocks = may("read") ? await recentBlocks(status.height) : [];
  const run = blocks.length ? await verifyRun([...blocks].reverse()) : null;
  const lastSigned = new Map();
  for (const verified of run?.verified || []) for (const name of verified.signers) lastSigned.set(name, Math.max(lastSigned.get(name) || 0, Number(verified.height)));
  view.append(el("h2", {}, "Validators ", run ? verdictBadge(run, `latest ${run.verified.length} certificates verified`) : ""), validatorTable(validators, status, run ? lastSigned : null));
  const peers = status.peers || [];
  if (peers.length) {
    view.append(el("h2", {}, "Peers of this node"),
      table([{ label: "Validator key", cell: (p) => el("span", { class: "mono" }, short(p.validator || p.key || "", 12)) }, { label: "Height shown", num: true, cell: (p) => String(p.height) }], peers));
  }
  const activity = el("div", { class: "chart", id: "activity" });
  const latency = el("div", { class: "chart", id: "latency" });
  view.append(el("div", { class: "grid2" },
    el("div", {}, el("h2", {}, "Transactions per minute, last hour"), activity),
    el("div", {}, el("h2", {}, "Commit latency per minute (ms, bucket bounds)"), latency)));
  await drawActivity(activity, latency, (await api.activity()).minutes);
  const latest = el("div");
  let recent = [];
  if (may("read")) {
    recent = blocks.slice(0, 10);
    latest.append(blockTable(recent));
  } else {
    latest.append(message("", `Blocks list every transaction. ${notAllowed("read")}`));
  }
  view.append(el("h2", {}, "Latest blocks"), latest);
  // Live: each new block updates the cards and the latest blocks.
  const signal = pageLifetime(stillShown);
  followBlocks((block) => {
    heightCard.querySelector(".value").textContent = String(block.height);
    lastCard.querySelector(".value").textContent = ago(block.timestamp);
    if (!may("read")) return;
    recent.unshift(block);
    recent.length = Math.min(recent.length, 10);
    latest.replaceChildren(blockTable(recent));
  }, signal);
}

function validatorTable(validators, status, lastSigned) {
  const columns = [
    { label: "Name", cell: (v) => v.name },
    { label: "Key", cell: (v) => el("span", { class: "mono" }, short(v.publicKey, 12)) },
    { label: "Power", num: true, cell: (v) => String(v.power) },
    { label: "Height it last showed this node", num: true, cell: (v) => lastShown(v, status) },
  ];
  if (lastSigned) columns.push({ label: "Last signed (verified)", num: true, cell: (v) => (lastSigned.has(v.name) ? String(lastSigned.get(v.name)) : "not in the latest certificates") });
  return table(columns, validators.validators);
}

function lastShown(validator, status) {
  if (validator.publicKey === status.validator) return `${status.height} (this node)`;
  const peer = (status.peers || []).find((p) => (p.validator || p.key) === validator.publicKey);
  return peer ? String(peer.height) : "not connected";
}

/** A table of block summaries; `check(block)` adds a column of verdicts when given. */
export function blockTable(blocks, check) {
  const columns = [
    { label: "Height", cell: (b) => link(`#/blocks/${b.height}`, String(b.height)) },
    { label: "Time", cell: (b) => time(b.timestamp) },
    { label: "Transactions", num: true, cell: (b) => String(b.transactionCount) },
    { label: "Hash", cell: (b) => el("span", { class: "mono" }, short(b.hash, 12)) },
  ];
  if (check) columns.push({ label: "Header", cell: check });
  return table(columns, blocks, "No block is committed yet.");
}

/** The latest block headers, newest first (at most `maxBlocks`: one request, no transactions). */
async function recentBlocks(height) {
  if (height < 1) return [];
  return (await api.blocks(undefined, maxBlocks)).blocks || [];
}

/** The node's last hour (GET /v1/activity): transactions per minute, and the commit latency p50/p99 per minute. */
async function drawActivity(activityNode, latencyNode, minutes) {
  const labels = minutes.map((m) => time(m.start).slice(11, 16));
  await drawBars(activityNode, labels, [{ label: "transactions", data: minutes.map((m) => m.transactions) }]);
  await drawBars(latencyNode, labels, [
    { label: "p50", data: minutes.map((m) => m.latencyP50Ms ?? null) },
    { label: "p99", data: minutes.map((m) => m.latencyP99Ms ?? null) },
  ]);
}
