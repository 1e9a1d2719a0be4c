// A transaction's canonical bytes decoded in the browser (js/verify/
// transaction.js, docs/encoding.md §4.5–4.7), its id recomputed and its
// signatures checked under the strict rules — so the page shows what was
// signed, not what the node says was.

import { el, fields } from "./format.js";

/** `{ok, body (flattened [name, text] pairs), id, signatureProblem}` or `{ok: false, reason}`. */
export async function decodeTransaction(base64, expectedId) {
  try {
    const [{ decodeSignedTransaction, transactionId, transactionSignatureProblem }, { fromBase64, toHex }] = await Promise.all([
      import("./verify/transaction.js"),
      import("./verify/bytes.js"),
    ]);
    const tx = decodeSignedTransaction(fromBase64(base64));
    const id = toHex(await transactionId(tx));
    if (id !== expectedId) return { ok: false, reason: `the bytes the node serves hash to transaction ${id}, not ${expectedId}` };
    const problem = await transactionSignatureProblem(tx);
    if (problem !== null) return { ok: false, reason: `its signature does not verify (${problem})` };
    return { ok: true, pairs: flatten(tx.body, "", toHex), detail: "id recomputed from the canonical bytes; every signature checked (strict Ed25519)" };
  } catch (error) {
    return { ok: false, reason: `the bytes do not decode: ${error.reason ?? error.message ?? error}` };
  }
}

function flatten(value, prefix, toHex) {
  if (value instanceof Uint8Array) return [[prefix, toHex(value)]];
  if (typeof value === "bigint") return [[prefix, value.toString()]];
  if (value === null || value === undefined) return prefix ? [[prefix, "none"]] : [];
  if (Array.isArray(value)) return value.length ? value.flatMap((item, i) => flatten(item, `${prefix}[${i}]`, toHex)) : [[prefix, "[]"]];
  if (typeof value === "object") return Object.entries(value).flatMap(([key, item]) => flatten(item, prefix ? `${prefix}.${key}` : key, toHex));
  return [[prefix, String(value)]];
}

export function bodyFields(decoded) {
  return fields(decoded.pairs.map(([name, text]) => [name, el("span", { class: name.match(/signer|payee|key|hash|merchant|processor|account/i) ? "mono" : undefined }, text)]));
}
