// A run of consecutive block headers as the RPC serves them (GET
// /v1/blocks/{h}: `header` and `commit` in hex), verified against the
// genesis: each header decodes and its hash is computed here (never taken
// from the server); block 1 links to the genesis hash and every other block
// to the previous header's hash; each certificate is for its header and
// holds precommits of more than 2/3 of the set in force; the header states
// that set. The set is followed across switches: a header whose
// nextValidatorsHash differs from its validatorsHash announces a new set,
// which is accepted from a `fetchValidators(height)` answer (GET
// /v1/validators?height=) only when the answer hashes to what that
// certified header named.
//
// A run that does not start at height 1 starts from a trusted set: pass
// `{startSet, startPreviousHash}` (for example from a verified receipt or an
// earlier run); without them the run must start at 1.

import { VerifyError, equal, fromHex, fromHex32, toHex } from "./bytes.js";
import { decodeCertificate, verifyCertificate } from "./certificate.js";
import { decodeHeader, describeHeader } from "./header.js";
import { validatorSetHash } from "./validators.js";

/** Validators from the RPC's JSON ({name, publicKey, power}). Throws VerifyError. */
export function validatorsFromJSON(list) {
  if (!Array.isArray(list)) throw new VerifyError("the validator set answer has no validators list");
  return list.map((v, i) => {
    if (v === null || typeof v !== "object" || typeof v.name !== "string") throw new VerifyError(`validators[${i}] is not a validator`);
    if (typeof v.power !== "number" || !Number.isSafeInteger(v.power) || v.power <= 0) throw new VerifyError(`validators[${i}].power is not a positive integer`);
    return { name: v.name, publicKey: fromHex32(v.publicKey, `validators[${i}].publicKey`), power: BigInt(v.power) };
  });
}

/**
 * Verifies `blocks` ([{header, commit}] hex, consecutive heights, ascending)
 * against `genesis`. `fetchValidators(height)` resolves to the JSON of GET
 * /v1/validators?height= (only called at a set switch). Returns `{ok: true,
 * blocks: [per-block details]}` or `{ok: false, reason, height, blocks}`
 * where `blocks` holds the ones verified before the failure.
 */
export async function verifyHeaders(genesis, blocks, { fetchValidators, startSet, startPreviousHash } = {}) {
  const verified = [];
  let set = startSet ?? genesis.validators;
  let setHash = await validatorSetHash(set);
  let previousHash = startPreviousHash ?? genesis.hash;
  let previousHeight = null;
  let previousTimestamp = startSet ? null : genesis.genesisTime;
  let pendingNextHash = null;
  const fail = (reason, height) => ({ ok: false, reason, height: height === undefined ? undefined : String(height), blocks: verified });
  if (!Array.isArray(blocks) || blocks.length === 0) return fail("no blocks to verify");
  for (let i = 0; i < blocks.length; i++) {
    const item = blocks[i];
    let header;
    let commit;
    try {
      if (item === null || typeof item !== "object") throw new VerifyError("not a block object");
      header = await decodeHeader(fromHex(item.header, "header"));
      commit = decodeCertificate(fromHex(item.commit, "commit"));
    } catch (error) {
      return fail(`block ${i + 1} of the run does not decode: ${error instanceof VerifyError ? error.reason : String(error)}`, previousHeight === null ? undefined : previousHeight + 1n);
    }
    const h = header.height;
    if (header.chainId !== genesis.chainId) return fail(`block ${h} is for chain "${header.chainId}", not "${genesis.chainId}"`, h);
    if (previousHeight === null) {
      if (!startSet && h !== 1n) return fail(`the run starts at height ${h}; without a trusted starting set it must start at 1`, h);
    } else if (h !== previousHeight + 1n) {
      return fail(`block ${h} does not follow block ${previousHeight}`, h);
    }
    if (previousTimestamp !== null && !(header.timestamp > previousTimestamp)) return fail(`block ${h}'s time is not after the previous block's`, h);
    if (!equal(header.previousHash, previousHash)) {
      return fail(`block ${h} does not link to ${h === 1n ? "the genesis" : `block ${h - 1n}`}: its previous hash is ${toHex(header.previousHash)}, expected ${toHex(previousHash)}`, h);
    }
    // A switch announced by the previous (certified) header.
    if (pendingNextHash !== null) {
      if (typeof fetchValidators !== "function") return fail(`the validator set changes at height ${h} and no way to fetch it was given`, h);
      let answer;
      try {
        answer = await fetchValidators(h);
      } catch (error) {
        return fail(`the validator set at height ${h} could not be fetched: ${error?.message ?? error}`, h);
      }
      let next;
      try {
        next = validatorsFromJSON(answer?.validators);
      } catch (error) {
        return fail(`the validator set at height ${h} is malformed: ${error.reason ?? error.message}`, h);
      }
      const nextHash = await validatorSetHash(next);
      if (!equal(nextHash, pendingNextHash)) {
        return fail(`the validator set the node gave for height ${h} hashes to ${toHex(nextHash)}, not ${toHex(pendingNextHash)} that block ${h - 1n} named`, h);
      }
      set = next;
      setHash = nextHash;
      pendingNextHash = null;
    }
    if (!equal(header.validatorsHash, setHash)) return fail(`block ${h} states validator set ${toHex(header.validatorsHash)}, but the set in force is ${toHex(setHash)}`, h);
    if (commit.height !== h || !equal(commit.blockHash, header.hash)) return fail(`the commit certificate of block ${h} is for another block`, h);
    const certificate = await verifyCertificate(commit, genesis.chainId, set);
    if (!certificate.ok) return fail(`block ${h} is not final: ${certificate.reason}`, h);
    verified.push({
      ...describeHeader(header),
      signers: certificate.signers,
      signedPower: certificate.signedPower,
      totalPower: certificate.totalPower,
    });
    if (!equal(header.nextValidatorsHash, header.validatorsHash)) pendingNextHash = header.nextValidatorsHash;
    previousHash = header.hash;
    previousHeight = h;
    previousTimestamp = header.timestamp;
  }
  return { ok: true, blocks: verified, lastHash: toHex(previousHash), set };
}
