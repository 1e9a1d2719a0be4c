// CommitCertificate (docs/encoding.md §4.13) from its bytes, and its check
// against a validator set as CommitCertificate.verify does: one slot per
// validator, every present slot a strict Ed25519 precommit signature over
// SETTLE/VOTE/V1\0 ‖ Vote(chainId, height, round, precommit, blockHash,
// validator key) — any bad one fails the whole certificate — and the
// signers' power more than two thirds of the total.

import { Reader, TAGS, Writer, concat, toHex } from "./bytes.js";
import { strictCheck } from "./ed25519.js";

export const COMMIT_VERSION = 1;
export const VOTE_VERSION = 1;
export const PRECOMMIT = 2;

export function readCertificate(reader) {
  const start = reader.at;
  const cert = {
    version: reader.version("commit.version", COMMIT_VERSION),
    height: reader.u64("commit.height"),
    round: reader.u32("commit.round"),
    blockHash: reader.bytes32("commit.blockHash"),
    signatures: reader.list("commit.signatures", 256, () => reader.option("commit.signature", () => reader.signature("commit.signature"))),
  };
  cert.bytes = reader.bytes.slice(start, reader.at);
  return cert;
}

/** Decodes a whole certificate's bytes, nothing left over. */
export function decodeCertificate(bytes) {
  const reader = new Reader(bytes);
  const cert = readCertificate(reader);
  reader.end("commit");
  return cert;
}

/** The canonical Vote: version ‖ chainId ‖ height ‖ round ‖ step ‖ option<blockHash> ‖ validator. */
export function encodeVote({ chainId, height, round, step, blockHash, validator }) {
  const w = new Writer();
  w.u8(VOTE_VERSION).string(chainId).u64(height).u32(round).u8(step);
  w.option(blockHash, (h) => w.raw(h));
  w.raw(validator);
  return w.bytes();
}

/** SETTLE/VOTE/V1\0 ‖ vote. */
export function voteSigningMessage(vote) {
  return concat(TAGS.vote, encodeVote(vote));
}

/**
 * Checks `cert` for chain `chainId` against `validators` (the set in force at
 * its height). `{ok: true, signers, signedPower, totalPower}` or
 * `{ok: false, reason}`; powers are decimal strings.
 */
export async function verifyCertificate(cert, chainId, validators) {
  if (cert.signatures.length !== validators.length) {
    return { ok: false, reason: `commit has ${cert.signatures.length} signature slots, the validator set has ${validators.length}` };
  }
  const checks = cert.signatures.map((signature, i) => {
    if (signature === null) return Promise.resolve(null);
    const v = validators[i];
    const message = voteSigningMessage({ chainId, height: cert.height, round: cert.round, step: PRECOMMIT, blockHash: cert.blockHash, validator: v.publicKey });
    return strictCheck(signature, message, v.publicKey);
  });
  const problems = await Promise.all(checks);
  let signed = 0n;
  let total = 0n;
  const signers = [];
  for (let i = 0; i < validators.length; i++) {
    total += validators[i].power;
    if (cert.signatures[i] === null) continue;
    if (problems[i] !== null) {
      return { ok: false, reason: `precommit signature of validator ${validators[i].name} does not verify (${problems[i]})` };
    }
    signed += validators[i].power;
    signers.push({ index: i, name: validators[i].name, publicKey: toHex(validators[i].publicKey) });
  }
  if (!(signed * 3n > total * 2n)) {
    return { ok: false, reason: `signed voting power ${signed} of ${total} is not more than two thirds` };
  }
  return { ok: true, signers, signedPower: signed.toString(), totalPower: total.toString() };
}
