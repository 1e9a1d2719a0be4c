// What the pages ask the verifier (js/verify/, docs/explorer.md): every
// answer is a verdict against the pinned genesis — {ok: true, …} or
// {ok: false, reason} — or null when no genesis is pinned (nothing checked,
// shown as such). Nothing the node says is taken as verified: hashes are
// recomputed from the bytes it serves, certificates checked with WebCrypto.

import { api } from "./api.js";
import { pinnedGenesis, loadVerifier } from "./trust.js";

async function genesisOrNull() {
  const pinned = await pinnedGenesis();
  if (!pinned) return null;
  if (!pinned.ok) return { problem: { ok: false, reason: `the pinned genesis cannot be read: ${pinned.reason}` } };
  return pinned;
}

/**
 * Block `block` (as GET /v1/blocks/{h} serves it), with its parent when it
 * has one: the validator set in force is walked from the genesis across
 * every switch the node lists, each switch proven by the certified header
 * before it naming the new set; then the parent and the block are verified
 * as a run — both certificates, the block's link to the parent's hash — and
 * the hash the node states is compared with the one computed here.
 */
export async function verifyBlock(block, parent) {
  const pinned = await genesisOrNull();
  if (!pinned) return null;
  if (pinned.problem) return pinned.problem;
  await loadVerifier();
  const { verifyHeaders } = await import("./verify/chain.js");
  const { decodeHeader } = await import("./verify/header.js");
  const { fromHex } = await import("./verify/bytes.js");
  const genesis = pinned.genesis;
  const fetchValidators = (height) => api.validators(Number(height));
  try {
    const height = Number(block.height);
    let set = genesis.validators;
    let setKnownThrough = 0;
    // Each switch at or before the block, in order: proven by [s − 1, s] run from the set known so far.
    const switches = ((await api.validators(height)).switches || []).map((s) => Number(s.height)).filter((s) => s >= 2 && s <= height).sort((a, b) => a - b);
    for (const switchHeight of switches) {
      const [before, at] = await Promise.all([api.block(switchHeight - 1), api.block(switchHeight)]);
      const start = await decodeHeader(fromHex(before.header, "header"));
      const run = await verifyHeaders(genesis, [before, at], { fetchValidators, startSet: set, startPreviousHash: start.previousHash });
      if (!run.ok) return { ok: false, reason: `the validator set change at height ${switchHeight} does not hold: ${run.reason}` };
      set = run.set;
      setKnownThrough = switchHeight;
    }
    let run;
    if (height === 1) {
      run = await verifyHeaders(genesis, [block], { fetchValidators });
    } else {
      if (!parent) return { ok: false, reason: `block ${height - 1}, which this block must link to, could not be read` };
      const start = await decodeHeader(fromHex(parent.header, "header"));
      // The parent is certified by the set in force at its height: the one before a switch at `height`, if there is one.
      const parentSet = setKnownThrough === height ? undefined : set;
      run = parentSet
        ? await verifyHeaders(genesis, [parent, block], { fetchValidators, startSet: parentSet, startPreviousHash: start.previousHash })
        : await verifyHeaders(genesis, [block], { fetchValidators, startSet: set, startPreviousHash: start.hash });
    }
    if (!run.ok) return { ok: false, reason: run.reason };
    const verified = run.blocks[run.blocks.length - 1];
    if (verified.hash !== block.hash) {
      return { ok: false, reason: `the node states hash ${block.hash}, but the header it serves hashes to ${verified.hash}` };
    }
    if (block.previousHash && verified.previousHash && verified.previousHash !== block.previousHash) {
      return { ok: false, reason: `the node states previous hash ${block.previousHash}, but the header says ${verified.previousHash}` };
    }
    return {
      ok: true,
      signers: verified.signers.map((signer) => signer.name),
      detail: `hash recomputed from the header's bytes, ${height > 1 ? `linked to block ${height - 1}, ` : "linked to the genesis, "}certified by ${verified.signedPower} of ${verified.totalPower} power (strict Ed25519 with WebCrypto)`,
    };
  } catch (error) {
    return { ok: false, reason: `could not be checked: ${error && error.message ? error.message : error}` };
  }
}

/** A receipt from the node for transaction `id`, verified against the pinned genesis, and for that transaction. */
export async function verifyReceipt(receipt, id) {
  const pinned = await genesisOrNull();
  if (!pinned) return null;
  if (pinned.problem) return pinned.problem;
  const verifier = await loadVerifier();
  const verdict = await verifier.verifyReceipt(receipt, pinned.genesis);
  if (verdict.ok && verdict.transactionId !== id) return { ok: false, reason: `the node's receipt proves transaction ${verdict.transactionId}, not ${id}` };
  return verdict.ok ? { ...verdict, detail: verdict.summary } : verdict;
}
