// One transaction: status, block, result (the fee actually charged against
// the contracted one), signer and signatures, its payment or dispute when it
// is one, and its receipt verified in the browser against the pinned genesis.

import { api } from "../api.js";
import { el, fields, link, message, short, table } from "../format.js";
import { verdictBadge } from "../trust.js";
import { verifyReceipt } from "../verdicts.js";
import { assetDecimals, amount } from "../assets.js";
import { bodyFields, decodeTransaction } from "../decoded.js";

export async function render(view, [id]) {
  const tx = await api.transaction(id);
  const receiptVerdict = tx.status === "committed" ? await api.receipt(id).then((r) => verifyReceipt(r, id), (e) => ({ ok: false, reason: e.message })) : null;
  // Only payments have a payment view: asking for another kind's would be a 404 in the console.
  const payment = ["transfer", "capture", "split"].includes(tx.kind) && tx.result && tx.result.code === "applied" ? await api.payment(id) : null;
  const decimals = await assetDecimals();
  const result = tx.result || {};
  view.append(
    el("h1", {}, `Transaction `, el("span", { class: "mono" }, short(id, 10)), " ", tx.status === "committed" ? verdictBadge(receiptVerdict, "receipt verified") : ""),
    fields([
      ["Id", el("span", { class: "mono" }, tx.id)],
      ["Status", tx.status],
      tx.height ? ["Block", link(`#/blocks/${tx.height}`, `${tx.height} (position ${tx.position}, log index ${tx.logIndex})`)] : null,
      ["Kind", tx.kind],
      tx.externalReference ? ["External reference", tx.externalReference] : null,
      ["Signer", link(`#/accounts/${tx.signer}`, el("span", { class: "mono" }, tx.signer))],
      ["Result", result.code || ""],
      payment ? ["Paid", `${payment.legs.map((leg) => leg.amount).join(" + ")} ${payment.asset} by ${payment.method}`] : null,
      result.fee !== undefined ? ["Fee charged", payment ? amount(result.fee, payment.asset, decimals) : String(result.fee)] : null,
      result.contractedFee !== undefined ? ["Fee contracted", payment ? amount(result.contractedFee, payment.asset, decimals) : String(result.contractedFee)] : null,
      result.fee !== undefined && result.contractedFee !== undefined && result.fee !== result.contractedFee
        ? ["Charged above contract", el("span", { class: "badge warn" }, payment ? amount(result.fee - result.contractedFee, payment.asset, decimals) : String(result.fee - result.contractedFee))]
        : null,
      receiptVerdict && !receiptVerdict.ok ? ["Why the receipt is not verified", receiptVerdict.reason] : null,
    ]),
  );
  if (payment) {
    view.append(
      el("h2", {}, "Payment"),
      fields([["Payer", link(`#/accounts/${payment.payer}`, el("span", { class: "mono" }, payment.payer))], ["Method", payment.method], ["Asset", payment.asset]]),
      table(
        [
          { label: "Payee", cell: (leg) => link(`#/accounts/${leg.payee}`, el("span", { class: "mono" }, short(leg.payee, 12))) },
          { label: "Amount", num: true, cell: (leg) => `${leg.amount} ${payment.asset}` },
          { label: "Refunded", num: true, cell: (leg) => leg.refunded },
          { label: "Disputed", num: true, cell: (leg) => leg.disputed },
          { label: "Lost", num: true, cell: (leg) => leg.lost },
          { label: "Open", num: true, cell: (leg) => leg.open },
        ],
        payment.legs,
      ),
    );
  }
  const decoded = tx.transaction ? await decodeTransaction(tx.transaction, id) : null;
  view.append(el("h2", {}, "What was signed ", decoded ? verdictBadge(decoded, "decoded and signature verified") : ""));
  if (decoded && decoded.ok) view.append(bodyFields(decoded));
  else if (decoded) view.append(message("error", decoded.reason));
  view.append(
    el("h2", {}, "Signatures"),
    table([{ label: "Public key", cell: (s) => el("span", { class: "mono" }, s.publicKey) }, { label: "Signature", cell: (s) => el("span", { class: "mono" }, short(s.signature, 16)) }], tx.signatures || []),
    el("h2", {}, "Canonical bytes (base64)"),
    el("p", { class: "mono" }, tx.transaction || ""),
  );
}
