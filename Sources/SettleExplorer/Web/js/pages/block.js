// One block: its header, verified in the browser against the pinned genesis
// (the hash recomputed from the header's bytes, the link to its parent, the
// commit certificate's signatures and quorum from the validator set in
// force), the validators that signed, and its transactions with their results.

import { api } from "../api.js";
import { el, fields, link, message, short, table, time } from "../format.js";
import { may, notAllowed } from "../session.js";
import { pinnedGenesis, verdictBadge, loadVerifier } from "../trust.js";
import { verifyBlock } from "../verdicts.js";

export async function render(view, [heightText]) {
  if (!may("read")) return view.append(el("h1", {}, `Block ${heightText}`), message("warn", `A block lists every transaction. ${notAllowed("read")}`));
  const height = Number(heightText);
  const [block, parent] = await Promise.all([api.block(height), height > 1 ? api.block(height - 1).catch(() => null) : Promise.resolve(null)]);
  const verdict = await verifyBlock(block, parent);
  view.append(
    el("h1", {}, `Block ${height} `, verdictBadge(verdict)),
    fields([
      ["Hash", el("span", { class: "mono" }, block.hash)],
      ["Previous", height > 1 ? link(`#/blocks/${height - 1}`, el("span", { class: "mono" }, block.previousHash)) : el("span", { class: "mono" }, block.previousHash)],
      ["Time", time(block.timestamp)],
      ["Transactions", String(block.transactionCount)],
      ["Signed by", verdict && verdict.signers ? verdict.signers.join(", ") : el("span", { class: "muted" }, "pin a genesis to check the certificate")],
      verdict && verdict.ok === false ? ["Why not verified", verdict.reason] : null,
      ["Header (canonical bytes)", el("span", { class: "mono" }, short(block.header, 40))],
    ]),
    el("h2", {}, "Transactions"),
    table(
      [
        { label: "#", num: true, cell: (row) => String(row.position) },
        { label: "Transaction", cell: (row) => link(`#/tx/${row.id}`, el("span", { class: "mono" }, short(row.id, 12))) },
        { label: "Result", cell: (row) => row.result.code },
        { label: "Fee charged", num: true, cell: (row) => String(row.result.fee ?? "") },
        { label: "Fee contracted", num: true, cell: (row) => String(row.result.contractedFee ?? "") },
      ],
      (block.transactions || []).map((id, position) => ({ id, position, result: (block.results || [])[position] || {} })),
      "An empty block (a heartbeat).",
    ),
  );
}
