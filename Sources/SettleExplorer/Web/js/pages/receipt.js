// Verify a receipt offline: a receipt JSON (as `settle receipt` writes it or
// GET /v1/transactions/{id}/receipt answers) and a genesis file, both read in
// this browser; nothing is sent anywhere. The verdict says why when it is no.

import { el, fields, message } from "../format.js";
import { loadVerifier, pinnedGenesisText } from "../trust.js";

export async function render(view) {
  const receiptInput = el("textarea", { id: "receipt-text", placeholder: "Paste a receipt (JSON), or drop its file here", "aria-label": "Receipt JSON" });
  const genesisInput = el("textarea", { id: "genesis-text", placeholder: "Paste the genesis file (JSON), or drop it here", "aria-label": "Genesis JSON" });
  const pinned = pinnedGenesisText();
  if (pinned) genesisInput.value = pinned;
  const verdict = el("div", { id: "receipt-verdict" });
  const button = el("button", { class: "primary", id: "verify-receipt", type: "button" }, "Verify");
  button.addEventListener("click", async () => {
    verdict.replaceChildren(el("p", { class: "muted" }, "Verifying…"));
    verdict.replaceChildren(await check(receiptInput.value, genesisInput.value));
  });
  view.append(
    el("h1", {}, "Verify a receipt"),
    el("p", { class: "muted" }, "Checked in this browser only, against the genesis given here: the header's hash, its commit certificate by the validators in force, and the transaction's inclusion proof (docs/audit.md, “Receipts”)."),
    el("div", { class: "grid2" }, dropZone("Receipt", receiptInput), dropZone("Genesis", genesisInput)),
    el("p", {}, button),
    verdict,
  );
}

function dropZone(title, textarea) {
  const zone = el("div", { class: "drop" }, el("h2", {}, title), textarea);
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", async (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const file = event.dataTransfer.files[0];
    if (file) textarea.value = await file.text();
  });
  return zone;
}

async function check(receiptText, genesisText) {
  if (!receiptText.trim()) return message("error", "Give a receipt first.");
  if (!genesisText.trim()) return message("error", "Give the genesis file you trust.");
  const verifier = await loadVerifier();
  if (!verifier) return message("error", "The verifier could not be loaded in this browser.");
  const result = await verifier.verifyReceipt(receiptText, genesisText);
  if (!result.ok) return message("error", `Not verified: ${result.reason}`);
  return el("div", {}, message("ok", `Verified: ${result.summary}.`),
    fields([
      ["Transaction", result.transactionId], ["Kind", result.kind], ["Signer", result.signer], ["Height", result.height], ["Log index", result.logIndex],
      ["Result", `${result.result.code}; fee ${result.result.fee}, contracted ${result.result.contractedFee}, credited ${result.result.credited} (minor units)`],
      ["Certified by", `${result.signers.map((signer) => signer.name).join(", ")} (${result.signedPower} of ${result.totalPower} power)`],
      ["Validator set changes walked", String(result.setChanges)],
    ]));
}
