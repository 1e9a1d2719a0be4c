// A receipt (docs/audit.md, "Receipts") verified against a genesis exactly as
// Receipt.verify(genesis:) (Sources/SettleLedger/Audit/Receipt.swift) and
// `settle verify-receipt` do, in the same order, so the first problem
// reported is the one the CLI reports: the genesis hash; the chain; the
// transaction's signatures; the height; the inclusion proof of its log entry
// against the header's log root; the validator set in force, walked from the
// genesis set through the receipt's set changes; the header stating that
// set; the certificate being for that header and holding > 2/3 of its power.
//
// `code` in a failed verdict names the ReceiptError case (malformed,
// wrongGenesis, wrongChain, badTransactionSignature, heightAfterHeader,
// inclusion, commitForAnotherBlock, commit, setChange, setChangeMissing).

import { VerifyError, equal, fromHex, fromHex32, toHex } from "./bytes.js";
import { decodeCertificate, verifyCertificate } from "./certificate.js";
import { decodeHeader, describeHeader } from "./header.js";
import { leafHash, verifyInclusion } from "./merkle.js";
import { decodeResult, decodeSignedTransaction, encodeLogEntry, transactionId, transactionSignatureProblem } from "./transaction.js";
import { decodeValidators, validatorSetHash, walkValidatorSets } from "./validators.js";

export const RECEIPT_VERSION = 2;

const malformed = (why) => new VerifyError(`malformed receipt: ${why}`, "malformed");

function required(object, name, kind) {
  const v = object[name];
  if (v === undefined) throw malformed(`not a receipt JSON file: missing field ${name}`);
  if (kind === "string" && typeof v !== "string") throw malformed(`not a receipt JSON file: ${name} should be a string`);
  if (kind === "integer" && (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)) {
    throw malformed(`not a receipt JSON file: ${name} should be a non-negative integer`);
  }
  if (kind === "array" && !Array.isArray(v)) throw malformed(`not a receipt JSON file: ${name} should be an array`);
  return v;
}

function decodeWith(decode, hex, field) {
  let bytes;
  try {
    bytes = fromHex(hex, field);
  } catch {
    throw malformed(`${field} is not hex`);
  }
  try {
    return decode(bytes);
  } catch (error) {
    throw malformed(`${field}: ${error instanceof VerifyError ? error.reason : error.message}`);
  }
}

/** Parses receipt JSON text (Receipt.parse): every binary field decoded. Throws VerifyError. */
export async function parseReceipt(text) {
  let file;
  try {
    file = typeof text === "string" ? JSON.parse(text) : text;
  } catch (error) {
    throw malformed(`not a receipt JSON file: the file is not JSON (${error.message})`);
  }
  if (file === null || typeof file !== "object" || Array.isArray(file)) throw malformed("not a receipt JSON file: it is not a JSON object");
  const version = required(file, "version", "integer");
  for (const [name, kind] of [["genesisHash", "string"], ["transaction", "string"], ["result", "string"], ["height", "integer"], ["logIndex", "integer"], ["header", "string"], ["inclusionProof", "array"], ["commit", "string"], ["validatorSetChanges", "array"]]) {
    required(file, name, kind);
  }
  if (version !== RECEIPT_VERSION) throw malformed(`receipt version ${version} is not supported`);
  let genesisHash;
  try {
    genesisHash = fromHex32(file.genesisHash);
  } catch {
    throw malformed("genesisHash is not 64 hex characters");
  }
  const proof = file.inclusionProof.map((hex) => {
    try {
      return fromHex32(hex);
    } catch {
      throw malformed("inclusionProof entries must be 64 hex characters");
    }
  });
  const steps = [];
  for (let i = 0; i < file.validatorSetChanges.length; i++) {
    const field = `validatorSetChanges[${i}]`;
    const step = file.validatorSetChanges[i];
    if (step === null || typeof step !== "object") throw malformed(`not a receipt JSON file: ${field} should be an object`);
    for (const name of ["header", "commit", "validators"]) {
      if (typeof step[name] !== "string") throw malformed(`not a receipt JSON file: ${field}.${name} should be a string`);
    }
    const validators = decodeWith(decodeValidators, step.validators, `${field}.validators`);
    const headerBytes = decodeWith((b) => b, step.header, `${field}.header`);
    let header;
    try {
      header = await decodeHeader(headerBytes);
    } catch (error) {
      throw malformed(`${field}.header: ${error.reason ?? error.message}`);
    }
    steps.push({ header, commit: decodeWith(decodeCertificate, step.commit, `${field}.commit`), validators });
  }
  const transaction = decodeWith(decodeSignedTransaction, file.transaction, "transaction");
  const result = decodeWith(decodeResult, file.result, "result");
  const headerBytes = decodeWith((b) => b, file.header, "header");
  let header;
  try {
    header = await decodeHeader(headerBytes);
  } catch (error) {
    throw malformed(`header: ${error.reason ?? error.message}`);
  }
  const commit = decodeWith(decodeCertificate, file.commit, "commit");
  return { genesisHash, transaction, result, height: BigInt(file.height), logIndex: BigInt(file.logIndex), header, proof, commit, steps };
}

/**
 * Verifies a parsed receipt against a parsed genesis (genesis.js). Returns a
 * verdict; never throws.
 */
export async function checkReceipt(receipt, genesis) {
  const fail = (code, reason) => ({ ok: false, code, reason });
  try {
    if (!equal(receipt.genesisHash, genesis.hash)) {
      return fail("wrongGenesis", `receipt is for genesis ${toHex(receipt.genesisHash)}, not ${toHex(genesis.hash)}`);
    }
    const tx = receipt.transaction;
    const header = receipt.header;
    if (tx.body.chainId !== genesis.chainId || header.chainId !== genesis.chainId) return fail("wrongChain", "receipt's transaction or header is for another chain");
    const signatureProblem = await transactionSignatureProblem(tx);
    if (signatureProblem !== null) return fail("badTransactionSignature", `the transaction's signature does not verify (${signatureProblem})`);
    if (receipt.height < 1n || receipt.height > header.height) {
      return fail("heightAfterHeader", `transaction height ${receipt.height} is not at or before the proving header's height ${header.height}`);
    }
    const id = await transactionId(tx);
    const leaf = await leafHash(encodeLogEntry(id, receipt.height, receipt.result.bytes));
    const inclusion = await verifyInclusion(leaf, receipt.logIndex, header.logSize, receipt.proof, header.logRoot);
    if (!inclusion.ok) return fail("inclusion", `the log entry is not in the header's log: ${inclusion.reason}`);
    let set;
    try {
      set = await walkValidatorSets(genesis, receipt.steps, header.height);
    } catch (error) {
      if (error instanceof VerifyError) return fail("setChange", `the receipt's ${error.reason}`);
      throw error;
    }
    if (!equal(header.validatorsHash, await validatorSetHash(set))) {
      return fail("setChangeMissing", "the header is certified by a validator set the receipt's set changes do not reach from the genesis: a change is missing");
    }
    if (receipt.commit.height !== header.height || !equal(receipt.commit.blockHash, header.hash)) {
      return fail("commitForAnotherBlock", "the commit certificate is for another block");
    }
    const certificate = await verifyCertificate(receipt.commit, genesis.chainId, set);
    if (!certificate.ok) return fail("commit", `the header is not final: ${certificate.reason}`);
    const result = receipt.result;
    return {
      ok: true,
      transactionId: toHex(id),
      kind: tx.body.payload.kind,
      signer: toHex(tx.body.signer),
      height: receipt.height.toString(),
      logIndex: receipt.logIndex.toString(),
      result: { code: result.codeName, fee: result.fee.toString(), contractedFee: result.contractedFee.toString(), credited: result.credited.toString() },
      movedMoney: result.code === 0,
      header: describeHeader(header),
      signers: certificate.signers,
      signedPower: certificate.signedPower,
      totalPower: certificate.totalPower,
      setChanges: receipt.steps.length,
      summary:
        result.code === 0
          ? `transaction ${toHex(id)} is final at height ${receipt.height} (applied)`
          : `transaction ${toHex(id)} is final at height ${receipt.height}, but committed as a failure (${result.codeName}): it moved no money`,
    };
  } catch (error) {
    return fail("malformed", `the receipt could not be checked: ${error instanceof VerifyError ? error.reason : String(error)}`);
  }
}
