// Search: the node reads the text (GET /v1/search): a block height, a
// transaction id, an account key or genesis label, an external reference.
// One reading goes straight to its page; several are listed to choose from.

import { api } from "./api.js";

export function targetOf(result) {
  if (result.kind === "block") return `#/blocks/${result.height}`;
  if (result.kind === "transaction") return `#/tx/${result.id}`;
  return `#/accounts/${result.account}`;
}

export function describeResult(result) {
  if (result.kind === "block") return `Block ${result.height}`;
  if (result.kind === "transaction") return result.signer ? `Transaction at height ${result.height}, reference of ${result.label}` : `Transaction at height ${result.height}`;
  return result.label ? `Account ${result.label}` : "Account";
}

export async function search(query) {
  const answer = await api.search(query);
  const results = answer.results || [];
  if (results.length === 1) return { hash: targetOf(results[0]) };
  if (results.length > 1) return { results };
  return { message: `Nothing found for “${query}”: not a height, a transaction id, an account key or label, or an external reference of a genesis account.` };
}
