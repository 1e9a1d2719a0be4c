// SignedTransaction (docs/encoding.md §4.5–4.7), TransactionResult (§4.8)
// and LogEntry (§4.9): enough to find the body's exact bytes (its id and
// signing message), check the envelope's signatures, and rebuild the log
// entry a receipt proves. The body is decoded in full, because it has no
// length prefix: only its fields say where it ends.

import { Reader, TAGS, VerifyError, Writer, concat, sha256, toHex } from "./bytes.js";
import { strictCheck } from "./ed25519.js";

export const BODY_VERSION = 3;
export const RESULT_VERSION = 3;
export const LOG_ENTRY_VERSION = 1;
export const MAX_TRANSACTION_BYTES = 2048 - 64 + 1 + 16 * 96;

export const RESULT_CODES = Object.freeze(["applied", "unknown_signer", "signer_frozen", "unauthorized", "unknown_account", "account_frozen", "unknown_asset", "insufficient_funds", "duplicate_external_reference", "hold_not_found", "hold_not_open", "over_capture", "payment_not_found", "over_refund", "quote_expired", "invalid_quote_signature", "unknown_fx_provider", "fee_exceeds_amount", "arithmetic_overflow", "account_exists", "asset_exists", "invalid_hold_expiry", "conversion_too_small", "invalid_fee_account", "quote_not_for_signer", "quote_amount_exceeded", "quote_already_used", "unknown_method", "method_exists", "no_mandate", "not_a_processor", "fee_asset_mismatch", "fee_not_reportable", "invalid_processor_fx", "split_total_mismatch", "unknown_leg", "over_dispute", "dispute_not_found", "dispute_not_open", "over_fee_return", "payout_not_found", "payout_already_reversed", "retired_key", "wrong_key", "not_enough_approvals", "administration_locked", "key_in_use", "not_a_validator", "already_approved", "proposal_expired", "proposal_stale", "unknown_proposal", "unsafe_validator_change", "change_pending"]);

export const PAYLOAD_KINDS = Object.freeze([
  undefined, "transfer", "hold", "capture", "void", "refund", "convert", "enrol-account", "set-account-frozen", "register-asset", "set-fee-schedule",
  "register-method", "set-mandate", "split", "dispute", "resolve-dispute", "payout", "reverse-payout", "rotate-key", "replace-account-key",
  "set-admin-threshold", "propose-validator-change", "approve-validator-change",
]);

function tag(r, field, min, max) {
  const start = r.at;
  const v = r.u8(field);
  if (v < min || v > max) throw new VerifyError(`${field}: unknown tag ${v} at byte ${start}`);
  return v;
}

function assetCode(r, field = "asset") {
  const start = r.at;
  const text = r.string(field, 12);
  if (!/^[A-Z0-9]{1,12}$/.test(text)) throw new VerifyError(`${field}: asset code must be 1-12 characters A-Z, 0-9, got "${text}" at byte ${start}`);
  return text;
}

function method(r, field = "method") {
  const start = r.at;
  const text = r.string(field, 32);
  if (!/^[a-z0-9-]{1,32}$/.test(text)) throw new VerifyError(`${field}: a payment method name is 1-32 characters a-z, 0-9, -; got "${text}" at byte ${start}`);
  return text;
}

function feeComponents(r) {
  return r.list("fee", 8, () => ({ kind: tag(r, "fee.kind", 1, 5), asset: assetCode(r, "fee.asset"), amount: r.amount("fee.amount") }));
}

function charge(r) {
  return r.option("charge", () => ({
    fee: feeComponents(r),
    fx: r.option("fx", () => {
      const fx = { asset: assetCode(r, "fx.asset"), amount: r.amount("fx.amount") };
      const start = r.at;
      fx.rateNumerator = r.u64("fx.rateNumerator");
      fx.rateDenominator = r.u64("fx.rateDenominator");
      if (fx.rateNumerator === 0n || fx.rateDenominator === 0n) {
        throw new VerifyError(`fx.rateDenominator: a processor's rate must have a positive numerator and denominator (byte ${start})`);
      }
      return fx;
    }),
  }));
}

function feeSchedule(r) {
  return {
    fixed: r.amount("schedule.fixed"),
    basisPoints: r.u16("schedule.basisPoints"),
    minimum: r.option("schedule.minimum", () => r.amount("schedule.minimum")),
    maximum: r.option("schedule.maximum", () => r.amount("schedule.maximum")),
    bearer: tag(r, "schedule.bearer", 1, 2),
    feeAccount: r.bytes32("schedule.feeAccount"),
  };
}

function fxQuote(r) {
  return {
    version: r.version("quote.version", 1),
    chainId: r.string("quote.chainId", 64),
    provider: r.bytes32("quote.provider"),
    beneficiary: r.bytes32("quote.beneficiary"),
    from: assetCode(r, "quote.from"),
    to: assetCode(r, "quote.to"),
    rateNumerator: r.u64("quote.rateNumerator"),
    rateDenominator: r.u64("quote.rateDenominator"),
    maxAmount: r.amount("quote.maxAmount"),
    expiresAt: r.u64("quote.expiresAt"),
    signature: r.signature("quote.signature"),
  };
}

function validatorChange(r) {
  const kind = tag(r, "change.kind", 1, 6);
  switch (kind) {
    case 1:
      return { kind: "add", name: r.string("change.name", 64), key: r.bytes32("change.key"), power: r.u64("change.power") };
    case 2:
      return { kind: "remove", key: r.bytes32("change.key") };
    case 3:
      return { kind: "set-power", key: r.bytes32("change.key"), power: r.u64("change.power") };
    case 4:
      return { kind: "rotate", key: r.bytes32("change.key"), newKey: r.bytes32("change.newKey") };
    case 5:
      return { kind: "add-observer", name: r.string("change.name", 64), key: r.bytes32("change.key") };
    default:
      return { kind: "remove-observer", key: r.bytes32("change.key") };
  }
}

function payload(r) {
  const start = r.at;
  const kind = r.u8("payload.kind");
  const p = { kind: PAYLOAD_KINDS[kind] };
  switch (kind) {
    case 1:
      Object.assign(p, { payee: r.bytes32("payee"), asset: assetCode(r), amount: r.amount("amount"), method: method(r), charge: charge(r) });
      break;
    case 2:
      Object.assign(p, { payee: r.bytes32("payee"), asset: assetCode(r), amount: r.amount("amount"), method: method(r), expiresAt: r.u64("holdExpiresAt") });
      break;
    case 3:
      Object.assign(p, { hold: r.bytes32("hold"), amount: r.amount("amount"), charge: charge(r) });
      break;
    case 4:
      p.hold = r.bytes32("hold");
      break;
    case 5:
      Object.assign(p, { payment: r.bytes32("payment"), leg: r.u8("leg"), amount: r.amount("amount") });
      break;
    case 6:
      Object.assign(p, { amount: r.amount("amount"), quote: fxQuote(r) });
      break;
    case 7:
      Object.assign(p, { account: r.bytes32("account"), role: tag(r, "role", 1, 6), label: r.string("label", 64) });
      break;
    case 8:
      Object.assign(p, { account: r.bytes32("account"), frozen: r.bool("frozen") });
      break;
    case 9:
      p.asset = { code: assetCode(r, "asset.code"), decimals: r.u8("asset.decimals"), name: r.string("asset.name", 64) };
      break;
    case 10:
      Object.assign(p, { method: method(r), asset: assetCode(r), schedule: r.option("schedule", () => feeSchedule(r)) });
      break;
    case 11:
      Object.assign(p, { method: method(r), label: r.option("label", () => r.string("label", 64)) });
      break;
    case 12: {
      Object.assign(p, { merchant: r.bytes32("merchant"), processor: r.bytes32("processor") });
      const at = r.at;
      p.kinds = r.u8("kinds");
      if (p.kinds & ~7) throw new VerifyError(`kinds: unknown mandate kind bits ${p.kinds & ~7} at byte ${at} (refund 1, dispute 2, payout 4)`);
      break;
    }
    case 13: {
      Object.assign(p, { asset: assetCode(r), method: method(r), total: r.amount("total") });
      const at = r.at;
      p.legs = r.list("legs", 16, () => ({ payee: r.bytes32("leg.payee"), amount: r.amount("leg.amount"), feeBearer: tag(r, "leg.feeBearer", 1, 2) }));
      if (p.legs.length === 0) throw new VerifyError(`legs: a split needs at least one leg (byte ${at})`);
      p.charge = charge(r);
      break;
    }
    case 14:
      Object.assign(p, { payment: r.bytes32("payment"), leg: r.u8("leg"), amount: r.amount("amount"), fee: feeComponents(r) });
      break;
    case 15:
      Object.assign(p, { dispute: r.bytes32("dispute"), outcome: tag(r, "outcome", 1, 2), feeReturned: r.amount("feeReturned") });
      break;
    case 16:
      Object.assign(p, { merchant: r.bytes32("merchant"), asset: assetCode(r), amount: r.amount("amount"), fee: feeComponents(r) });
      break;
    case 17:
      p.payout = r.bytes32("payout");
      break;
    case 18:
      p.newKey = r.bytes32("newKey");
      break;
    case 19:
      Object.assign(p, { account: r.bytes32("account"), newKey: r.bytes32("newKey") });
      break;
    case 20:
      p.threshold = r.u8("threshold");
      break;
    case 21:
      Object.assign(p, {
        changes: r.list("changes", 16, () => validatorChange(r)),
        allowFewerThanFour: r.bool("allowFewerThanFour"),
        allowLargeShift: r.bool("allowLargeShift"),
        expiresAt: r.u64("proposalExpiresAt"),
      });
      break;
    case 22:
      p.proposal = r.bytes32("proposal");
      break;
    default:
      throw new VerifyError(`payload.kind: unknown tag ${kind} at byte ${start}`);
  }
  return p;
}

/** Decodes a whole SignedTransaction; `tx.bodyBytes` are the signed bytes. */
export function decodeSignedTransaction(bytes) {
  if (bytes.length > MAX_TRANSACTION_BYTES) throw new VerifyError(`transaction: ${bytes.length} bytes, more than the ${MAX_TRANSACTION_BYTES} a transaction may have`);
  const r = new Reader(bytes);
  const body = {
    version: r.version("body.version", BODY_VERSION),
    chainId: r.string("chainId", 64),
    signer: r.bytes32("signer"),
    nonce: r.u64("nonce"),
    expiresAt: r.u64("expiresAt"),
    externalReference: r.option("externalReference", () => r.string("externalReference", 128)),
    memo: r.option("memo", () => r.string("memo", 256)),
    payload: payload(r),
  };
  const bodyBytes = bytes.slice(0, r.at);
  const start = r.at;
  const count = r.u8("approvals.count");
  if (count < 1) throw new VerifyError(`approvals.count: a transaction carries at least one signature (byte ${start})`);
  if (count > 16) throw new VerifyError(`approvals: ${count} signatures at byte ${start}, at most 16`);
  const approvals = [];
  for (let i = 0; i < count; i++) {
    const at = r.at;
    const publicKey = r.bytes32("approval.publicKey");
    if (approvals.length > 0 && !(toHex(approvals[approvals.length - 1].publicKey) < toHex(publicKey))) {
      throw new VerifyError(`approval.publicKey: signatures must be in strictly ascending order of their keys, each key once (byte ${at})`);
    }
    approvals.push({ publicKey, signature: r.signature("approval.signature") });
  }
  r.end("transaction");
  return { body, bodyBytes, approvals, bytes };
}

/** SETTLE/TX/V1\0 ‖ body. */
export function transactionSigningMessage(tx) {
  return concat(TAGS.transaction, tx.bodyBytes);
}

/** The transaction id: SHA-256 of the signing message. */
export function transactionId(tx) {
  return sha256(transactionSigningMessage(tx));
}

/** Null when every approval is a strict Ed25519 signature of the body by its key, else why not. */
export async function transactionSignatureProblem(tx) {
  const message = transactionSigningMessage(tx);
  for (const a of tx.approvals) {
    const problem = await strictCheck(a.signature, message, a.publicKey);
    if (problem !== null) return `signature by ${toHex(a.publicKey)}: ${problem}`;
  }
  return null;
}

/** Decodes a whole TransactionResult. */
export function decodeResult(bytes) {
  const r = new Reader(bytes);
  const version = r.version("result.version", RESULT_VERSION);
  const start = r.at;
  const code = r.u16("result.code");
  if (code >= RESULT_CODES.length) throw new VerifyError(`result.code: unknown tag ${code} at byte ${start}`);
  const result = {
    version,
    code,
    codeName: RESULT_CODES[code],
    fee: r.amount("result.fee"),
    contractedFee: r.amount("result.contractedFee"),
    credited: r.amount("result.credited"),
    related: r.option("result.related", () => r.bytes32("result.related")),
  };
  r.end("result");
  result.bytes = bytes;
  return result;
}

/** LogEntry: 0x01 ‖ transaction id ‖ u64 height ‖ result. */
export function encodeLogEntry(transactionIdBytes, height, resultBytes) {
  return new Writer().u8(LOG_ENTRY_VERSION).raw(transactionIdBytes).u64(height).raw(resultBytes).bytes();
}
