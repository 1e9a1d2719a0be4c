// Search: a height, a transaction id, an account (key or genesis label), or
// an external reference — looked up under each genesis account as signer,
// since the node indexes references by signer (docs/rpc.md).

import { api, ApiError } from "./api.js";

export async function search(query) {
  if (/^\d+$/.test(query)) return { hash: `#/blocks/${query}` };
  const hex = query.toLowerCase();
  if (/^[0-9a-f]{64}$/.test(hex)) {
    if (await exists(() => api.transaction(hex))) return { hash: `#/tx/${hex}` };
    return { hash: `#/accounts/${hex}` };
  }
  const genesis = await api.genesis();
  const account = (genesis.accounts || []).find((a) => a.label === query);
  if (account) return { hash: `#/accounts/${account.publicKey}` };
  const signers = (genesis.accounts || []).map((a) => a.publicKey);
  const found = await Promise.all(signers.map((signer) => api.reference(signer, query).then((t) => t, (e) => notFound(e))));
  const hit = found.find((t) => t && t.id);
  if (hit) return { hash: `#/tx/${hit.id}` };
  return { message: `Nothing found for “${query}”: not a height, a transaction id, an account key or label, or an external reference of a genesis account.` };
}

async function exists(read) {
  try {
    await read();
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return false;
    throw error;
  }
}

function notFound(error) {
  if (error instanceof ApiError && (error.status === 404 || error.status === 403)) return null;
  throw error;
}
