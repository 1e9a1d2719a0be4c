// The explorer's verifier: what the pages call. Every function resolves to a
// verdict, `{ok: true, …details}` or `{ok: false, reason}` (and `code` where
// the failure has a class), and never throws for bad input: a tampered byte,
// another chain, malformed JSON or a missing field is a not-verified verdict
// saying why. Nothing is reported verified unless every check passed.

import { VerifyError, fromHex, toHex } from "./bytes.js";
import { decodeCertificate, verifyCertificate as checkCertificate } from "./certificate.js";
import { parseGenesis } from "./genesis.js";
import { decodeHeader, describeHeader } from "./header.js";
import { leafHash, verifyConsistency as checkConsistency, verifyInclusion as checkInclusion } from "./merkle.js";
import { checkReceipt, parseReceipt } from "./receipt.js";
import { verifyHeaders as checkHeaders } from "./chain.js";
import { strictCheck } from "./ed25519.js";

export { toHex, fromHex } from "./bytes.js";
export { validatorSetHash } from "./validators.js";

function failure(error, fallback = "malformed") {
  if (error instanceof VerifyError) return { ok: false, code: error.code ?? fallback, reason: error.reason };
  return { ok: false, code: fallback, reason: `unexpected problem: ${error?.message ?? String(error)}` };
}

/**
 * Reads a genesis file's text. `{ok: true, genesis, hash, chainId,
 * validators}`; keep `genesis` to pass to the other functions.
 */
export async function loadGenesis(text) {
  try {
    if (typeof text !== "string") return { ok: false, code: "genesisJSON", reason: "genesis JSON: the genesis file must be text" };
    const genesis = await parseGenesis(text);
    return {
      ok: true,
      genesis,
      hash: toHex(genesis.hash),
      chainId: genesis.chainId,
      validators: genesis.validators.map((v) => ({ name: v.name, publicKey: toHex(v.publicKey), power: v.power.toString() })),
    };
  } catch (error) {
    return failure(error, "genesisJSON");
  }
}

async function genesisOf(genesis) {
  if (genesis && genesis.hash instanceof Uint8Array && Array.isArray(genesis.validators)) return { ok: true, genesis };
  if (typeof genesis === "string") return loadGenesis(genesis);
  return { ok: false, code: "genesisJSON", reason: "no genesis: load the genesis file you trust first" };
}

/** Verifies receipt JSON (text or parsed object) against a genesis (loaded, or its text). */
export async function verifyReceipt(receiptJSON, genesis) {
  const g = await genesisOf(genesis);
  if (!g.ok) return g;
  let receipt;
  try {
    receipt = await parseReceipt(receiptJSON);
  } catch (error) {
    return failure(error);
  }
  return checkReceipt(receipt, g.genesis);
}

/**
 * Verifies consecutive blocks as GET /v1/blocks/{h} serves them ([{header,
 * commit}], hex). Options: `fetchValidators(height)` → the JSON of GET
 * /v1/validators?height= (asked only at a set switch, and trusted only when
 * it hashes to what the certified previous header named).
 */
export async function verifyHeaders(blocks, genesis, options = {}) {
  const g = await genesisOf(genesis);
  if (!g.ok) return g;
  try {
    const verdict = await checkHeaders(g.genesis, blocks, options);
    if (verdict.ok) delete verdict.set;
    return verdict;
  } catch (error) {
    return failure(error);
  }
}

/** A header's fields and hash from its hex. */
export async function decodeBlockHeader(hex) {
  try {
    const header = await decodeHeader(fromHex(hex, "header"));
    return { ok: true, ...describeHeader(header) };
  } catch (error) {
    return failure(error);
  }
}

/** A certificate (hex) checked for a header (hex) against the genesis validator set. */
export async function verifyCertificate(headerHex, commitHex, genesis, validators) {
  const g = await genesisOf(genesis);
  if (!g.ok) return g;
  try {
    const header = await decodeHeader(fromHex(headerHex, "header"));
    const commit = decodeCertificate(fromHex(commitHex, "commit"));
    if (header.chainId !== g.genesis.chainId) return { ok: false, code: "wrongChain", reason: "the header is for another chain" };
    if (commit.height !== header.height || toHex(commit.blockHash) !== toHex(header.hash)) {
      return { ok: false, code: "commitForAnotherBlock", reason: "the commit certificate is for another block" };
    }
    const verdict = await checkCertificate(commit, g.genesis.chainId, validators ?? g.genesis.validators);
    return verdict.ok ? { ...verdict, hash: toHex(header.hash) } : { ...verdict, code: "commit" };
  } catch (error) {
    return failure(error);
  }
}

/** An RFC 9162 inclusion proof (hex hashes). */
export async function verifyInclusion({ leafHash: leafHex, leafData, leafIndex, treeSize, proof, root }) {
  try {
    const leaf = leafHex !== undefined ? fromHex(leafHex, "leafHash") : await leafHash(fromHex(leafData, "leafData"));
    return await checkInclusion(leaf, BigInt(leafIndex), BigInt(treeSize), proof.map((p) => fromHex(p, "proof")), fromHex(root, "root"));
  } catch (error) {
    return failure(error);
  }
}

/** An RFC 9162 consistency proof (hex hashes). */
export async function verifyConsistency({ oldSize, newSize, proof, oldRoot, newRoot }) {
  try {
    return await checkConsistency(BigInt(oldSize), BigInt(newSize), proof.map((p) => fromHex(p, "proof")), fromHex(oldRoot, "oldRoot"), fromHex(newRoot, "newRoot"));
  } catch (error) {
    return failure(error);
  }
}

/** Strict Ed25519 (hex): `{ok}` or `{ok: false, reason}` naming the rule broken. */
export async function verifySignature(signatureHex, messageHex, publicKeyHex) {
  try {
    const problem = await strictCheck(fromHex(signatureHex, "signature"), fromHex(messageHex, "message"), fromHex(publicKeyHex, "publicKey"));
    return problem === null ? { ok: true } : { ok: false, reason: problem };
  } catch (error) {
    return failure(error);
  }
}
