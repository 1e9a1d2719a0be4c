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

async function modules() {
  await loadVerifier();
  const [{ verifyHeaders }, { decodeHeader }, { fromHex }] = await Promise.all([import("./verify/chain.js"), import("./verify/header.js"), import("./verify/bytes.js")]);
  return { verifyHeaders, decodeHeader, fromHex };
}

const fetchValidators = (height) => api.validators(Number(height));

/**
 * The validator set in force at `height`, walked from the genesis set across
 * every switch at or before it that the node lists, each proven by a run of
 * the certified header before it (naming the new set) and the first header
 * under the new set. `{ok, set}` or a failure verdict.
 */
async function setInForce(genesis, height, m) {
  let set = genesis.validators;
  const switches = ((await api.validators(height)).switches || []).map((s) => Number(s.height)).filter((s) => s >= 2 && s <= height).sort((a, b) => a - b);
  for (const switchHeight of switches) {
    const [before, at] = await Promise.all([api.block(switchHeight - 1), api.block(switchHeight)]);
    const start = await m.decodeHeader(m.fromHex(before.header, "header"));
    const run = await m.verifyHeaders(genesis, [before, at], { fetchValidators, startSet: set, startPreviousHash: start.previousHash });
    if (!run.ok) return { ok: false, reason: `the validator set change at height ${switchHeight} does not hold: ${run.reason}` };
    set = run.set;
  }
  return { ok: true, set };
}

/**
 * Consecutive blocks (ascending, as GET /v1/blocks or /v1/blocks/{h} serve
 * them: `header` and `commit` hex) verified as a chain: the set in force at
 * the first walked from the genesis, then every header's hash recomputed,
 * each linked to the one before, each certified by more than 2/3 of the set
 * in force (followed across switches), and each hash the node states equal
 * to the computed one. Returns `{ok, verified: [per block], reason}`: the
 * blocks verified before a failure keep their verdict.
 */
export async function verifyRun(blocks) {
  const pinned = await genesisOrNull();
  if (!pinned) return null;
  if (pinned.problem) return pinned.problem;
  try {
    const m = await modules();
    const genesis = pinned.genesis;
    const first = Number(blocks[0].height);
    let run;
    if (first === 1) {
      run = await m.verifyHeaders(genesis, blocks, { fetchValidators });
    } else {
      const forced = await setInForce(genesis, first, m);
      if (!forced.ok) return { ...forced, verified: [] };
      const start = await m.decodeHeader(m.fromHex(blocks[0].header, "header"));
      run = await m.verifyHeaders(genesis, blocks, { fetchValidators, startSet: forced.set, startPreviousHash: start.previousHash });
    }
    const verified = (run.blocks || []).map((b) => ({ ...b, signers: b.signers.map((s) => s.name) }));
    for (const [i, b] of verified.entries()) {
      if (b.hash !== blocks[i].hash) {
        return { ok: false, reason: `the node states hash ${blocks[i].hash} for block ${blocks[i].height}, but its header hashes to ${b.hash}`, verified: verified.slice(0, i) };
      }
    }
    return run.ok ? { ok: true, verified } : { ok: false, reason: run.reason, verified };
  } catch (error) {
    return { ok: false, reason: `could not be checked: ${error && error.message ? error.message : error}`, verified: [] };
  }
}

/** One block, checked with its parent (which it must link to): see `verifyRun`. */
export async function verifyBlock(block, parent) {
  const height = Number(block.height);
  if (height > 1 && !parent) return (await genesisOrNull()) ? { ok: false, reason: `block ${height - 1}, which this block must link to, could not be read` } : null;
  const verdict = await verifyRun(height > 1 ? [parent, block] : [block]);
  if (!verdict || !verdict.ok) return verdict;
  const mine = verdict.verified[verdict.verified.length - 1];
  return {
    ok: true,
    signers: mine.signers,
    detail: `hash recomputed from the header's bytes, ${height > 1 ? `linked to block ${height - 1}` : "linked to the genesis"}, certified by ${mine.signedPower} of ${mine.totalPower} power (strict Ed25519 with WebCrypto)`,
  };
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
