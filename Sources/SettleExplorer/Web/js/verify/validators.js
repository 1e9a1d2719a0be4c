// Validator sets: the canonical list<Validator>(256) (name string(64) ‖
// publicKey ‖ power u64), its hash SHA-256(SETTLE/VALIDATORS/V1\0 ‖ list)
// (docs/encoding.md §4.10), and the walk from the genesis set through the
// validator set switches a receipt carries
// (Sources/SettleLedger/Audit/ValidatorSetWalk.swift, docs/governance.md §7).

import { Reader, TAGS, VerifyError, Writer, concat, equal, sha256 } from "./bytes.js";
import { verifyCertificate } from "./certificate.js";

export const MAX_VALIDATORS = 256;

export function readValidator(reader) {
  return {
    name: reader.string("validator.name", 64),
    publicKey: reader.bytes32("validator.publicKey"),
    power: reader.u64("validator.power"),
  };
}

export function writeValidator(writer, v) {
  writer.string(v.name).raw(v.publicKey).u64(v.power);
}

/** The canonical list<Validator> of a set. */
export function encodeValidators(set) {
  const w = new Writer();
  w.list(set, (v) => writeValidator(w, v));
  return w.bytes();
}

/** Decodes a canonical list<Validator>(256), nothing left over. */
export function decodeValidators(bytes) {
  const reader = new Reader(bytes);
  const set = reader.list("validators", MAX_VALIDATORS, () => readValidator(reader));
  reader.end("validators");
  return set;
}

/** The validator set hash. */
export function validatorSetHash(set) {
  return sha256(concat(TAGS.validators, encodeValidators(set)));
}

/**
 * The set that certifies a header at `height`, reached from the genesis set
 * through `steps` ({header, commit, validators}, headers and certificates
 * decoded): each step's header is after the previous step's and before
 * `height`, states the set held so far, is certified by it, and names the
 * step's set as the next. Throws VerifyError(code "setChange") with the
 * failing step's index.
 */
export async function walkValidatorSets(genesis, steps, height) {
  let set = genesis.validators;
  let previous = 0n;
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index];
    const h = step.header;
    const fail = (why) => {
      const error = new VerifyError(`validator set change ${index + 1} does not hold: ${why}`, "setChange");
      error.index = index;
      return error;
    };
    if (h.chainId !== genesis.chainId) throw fail("its header is for another chain");
    if (!(h.height > previous && h.height < height)) {
      throw fail(`its header (height ${h.height}) is not after the previous step's and before the header at height ${height}`);
    }
    if (!equal(h.validatorsHash, await validatorSetHash(set))) throw fail("its header does not state the set in force before it");
    if (step.commit.height !== h.height || !equal(step.commit.blockHash, h.hash)) throw fail("its certificate is for another block");
    const verdict = await verifyCertificate(step.commit, genesis.chainId, set);
    if (!verdict.ok) throw fail(`its header is not certified by the set in force: ${verdict.reason}`);
    const next = await validatorSetHash(step.validators);
    if (step.validators.length === 0 || !equal(h.nextValidatorsHash, next) || equal(h.nextValidatorsHash, h.validatorsHash)) {
      throw fail("its header does not name this new set as the next");
    }
    set = step.validators;
    previous = h.height;
  }
  return set;
}
