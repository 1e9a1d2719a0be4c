// A genesis file (docs/genesis.md) parsed as Genesis.parseJSON does —
// strictly: unknown fields are errors, "//" members are comments — and its
// hash SHA-256(SETTLE/GENESIS/V1\0 ‖ canonical encoding) (docs/encoding.md
// §4.14). A file that is not JSON, or not a genesis, is a VerifyError whose
// reason says what is wrong.

import { TAGS, VerifyError, Writer, concat, fromHex, sha256, toHex } from "./bytes.js";
import { publicKeyProblem } from "./ed25519.js";
import { validatorSetHash, writeValidator } from "./validators.js";

export const PROTOCOL_VERSION = 3;

const ROLES = ["customer", "merchant", "clearing", "fee", "admin", "fx-provider"];
const MAX_U64 = (1n << 64n) - 1n;
const INT64_MAX = (1n << 63n) - 1n;
const bytesOf = (text) => new TextEncoder().encode(text).length;

const jsonError = (why) => new VerifyError(`genesis JSON: ${why}`, "genesisJSON");
const invalid = (why) => new VerifyError(`invalid genesis: ${why}`, "genesisInvalid");

function typeName(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}

/** Checks `object`'s members against `fields`; returns it. */
function strictObject(value, fields, path) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw jsonError(`field ${path || "(top level)"} should be an object, found ${typeName(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!key.startsWith("//") && !fields.includes(key)) throw jsonError(`unknown field "${key}" at ${path || "top level"}`);
  }
  return value;
}

function field(object, name, path, kind, { optional = false, max } = {}) {
  const where = `${path}.${name}`;
  const v = object[name];
  if (v === undefined || (optional && v === null)) {
    if (optional) return undefined;
    throw jsonError(`missing field ${where}`);
  }
  if (v === null) throw jsonError(`field ${where} should be ${kind}, found null`);
  if (kind === "string") {
    if (typeof v !== "string") throw jsonError(`field ${where} should be a string`);
    return v;
  }
  if (kind === "array") {
    if (!Array.isArray(v)) throw jsonError(`field ${where} should be an array`);
    return v;
  }
  if (kind === "integer") {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw jsonError(`field ${where} should be a non-negative integer`);
    if (!Number.isSafeInteger(v)) throw jsonError(`field ${where} is too large to read exactly in JavaScript`);
    if (max !== undefined && v > max) throw jsonError(`field ${where} should be at most ${max}`);
    return BigInt(v);
  }
  if (kind === "object") return v;
  throw new Error("unreachable");
}

function key(hex, owner) {
  if (typeof hex !== "string" || hex.length !== 64 || !/^[0-9a-fA-F]*$/.test(hex)) throw invalid(`${owner}: public key must be 64 hex characters`);
  return fromHex(hex);
}

/** RFC 3339 UTC ("2026-01-01T00:00:00Z", optional ".sss") to ms, as Sources/SettleLedger/Genesis/GenesisJSON.swift. */
export function rfc3339Milliseconds(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.(\d{3}))?Z$/.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (year < 1970 || month < 1 || month > 12 || hour >= 24 || minute >= 60 || second >= 60) return null;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (day < 1 || day > lengths[month - 1]) return null;
  const millis = m[8] ? Number(m[8]) : 0;
  return BigInt(Date.UTC(year, month - 1, day, hour, minute, second, millis));
}

/** A decimal string in an asset's units to minor units, exactly (Amount.parse). */
export function parseAmount(text, decimals) {
  const parts = text.split(".");
  if (parts.length > 2) throw new Error("malformed");
  const [whole, fraction = ""] = parts;
  if (whole === "" || !/^[0-9]*$/.test(whole) || !/^[0-9]*$/.test(fraction) || (parts.length === 2 && fraction === "")) {
    throw new Error(`"${text}" is not a decimal amount`);
  }
  if (fraction.length > decimals) throw new Error(`"${text}" has more than ${decimals} decimals`);
  const value = BigInt(whole + fraction + "0".repeat(decimals - fraction.length));
  if (value > INT64_MAX) throw new Error("amount overflows");
  return value;
}

/**
 * Parses genesis JSON text into a genesis: `{chainId, genesisTime, validators,
 * …, bytes, hash}`. Throws VerifyError.
 */
export async function parseGenesis(text) {
  let json;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw jsonError(`the file is not JSON (${error.message})`);
  }
  const top = strictObject(json, ["protocolVersion", "chainId", "genesisTime", "validators", "assets", "accounts", "methods", "feeSchedules", "ledger", "consensus", "administration", "observers"], "");
  const chainId = field(top, "chainId", "", "string");
  const genesisTimeText = field(top, "genesisTime", "", "string");
  const validatorsJSON = field(top, "validators", "", "array");
  const assetsJSON = field(top, "assets", "", "array");
  const accountsJSON = field(top, "accounts", "", "array");
  const methodsJSON = field(top, "methods", "", "array", { optional: true }) ?? [];
  const schedulesJSON = field(top, "feeSchedules", "", "array", { optional: true }) ?? [];
  const ledgerJSON = field(top, "ledger", "", "object", { optional: true });
  const consensusJSON = field(top, "consensus", "", "object", { optional: true });
  const administrationJSON = field(top, "administration", "", "object", { optional: true });
  const observersJSON = field(top, "observers", "", "array", { optional: true }) ?? [];
  const protocolVersion = field(top, "protocolVersion", "", "integer", { optional: true });
  if (protocolVersion === undefined) {
    throw jsonError(`missing field .protocolVersion: this genesis was written for protocol version 1; Settle ${PROTOCOL_VERSION} cannot run it. Networks are not migrated before 1.0: write a new genesis (settle network init, or settle genesis example for a development one)`);
  }
  if (protocolVersion !== BigInt(PROTOCOL_VERSION)) {
    throw jsonError(`protocolVersion is ${protocolVersion}; this Settle speaks protocol version ${PROTOCOL_VERSION}. Networks are not migrated before 1.0: write a new genesis (settle network init, or settle genesis example for a development one)`);
  }
  const validators = validatorsJSON.map((v, i) => {
    const p = `.validators[${i}]`;
    strictObject(v, ["name", "publicKey", "power"], p);
    return { name: field(v, "name", p, "string"), publicKeyHex: field(v, "publicKey", p, "string"), power: field(v, "power", p, "integer") };
  });
  const assets = assetsJSON.map((a, i) => {
    const p = `.assets[${i}]`;
    strictObject(a, ["code", "decimals", "name"], p);
    return { code: field(a, "code", p, "string"), decimals: Number(field(a, "decimals", p, "integer", { max: 255 })), name: field(a, "name", p, "string") };
  });
  const accounts = accountsJSON.map((a, i) => {
    const p = `.accounts[${i}]`;
    strictObject(a, ["label", "publicKey", "role"], p);
    return { label: field(a, "label", p, "string"), publicKeyHex: field(a, "publicKey", p, "string"), roleName: field(a, "role", p, "string") };
  });
  const methods = methodsJSON.map((m, i) => {
    const p = `.methods[${i}]`;
    strictObject(m, ["name", "label"], p);
    return { name: field(m, "name", p, "string"), label: field(m, "label", p, "string", { optional: true }) ?? null };
  });
  const schedules = schedulesJSON.map((s, i) => {
    const p = `.feeSchedules[${i}]`;
    strictObject(s, ["method", "asset", "fixed", "basisPoints", "minimum", "maximum", "bearer", "feeAccount"], p);
    return {
      method: field(s, "method", p, "string"),
      asset: field(s, "asset", p, "string"),
      fixed: field(s, "fixed", p, "string", { optional: true }),
      basisPoints: Number(field(s, "basisPoints", p, "integer", { max: 65535 })),
      minimum: field(s, "minimum", p, "string", { optional: true }),
      maximum: field(s, "maximum", p, "string", { optional: true }),
      bearer: field(s, "bearer", p, "string"),
      feeAccountHex: field(s, "feeAccount", p, "string"),
    };
  });
  const param = (object, name, path, fallback, max = MAX_U64) => {
    if (object === undefined) return fallback;
    const v = field(object, name, path, "integer", { optional: true, max: max === MAX_U64 ? undefined : Number(max) });
    return v === undefined ? fallback : v;
  };
  if (ledgerJSON !== undefined) strictObject(ledgerJSON, ["maxTransactionLifetimeMs", "maxHoldLifetimeMs", "maxBlockTransactions"], ".ledger");
  if (consensusJSON !== undefined) strictObject(consensusJSON, ["blockIntervalMs", "timeoutProposeMs", "timeoutVoteMs", "timeoutDeltaMs", "timeoutMaxMs"], ".consensus");
  if (administrationJSON !== undefined) strictObject(administrationJSON, ["threshold"], ".administration");
  const ledger = {
    maxTransactionLifetimeMs: param(ledgerJSON, "maxTransactionLifetimeMs", ".ledger", 86400000n),
    maxHoldLifetimeMs: param(ledgerJSON, "maxHoldLifetimeMs", ".ledger", 30n * 86400000n),
    maxBlockTransactions: param(ledgerJSON, "maxBlockTransactions", ".ledger", 10000n, 0xffffffff),
  };
  const consensus = {
    blockIntervalMs: param(consensusJSON, "blockIntervalMs", ".consensus", 20n),
    timeoutProposeMs: param(consensusJSON, "timeoutProposeMs", ".consensus", 1000n),
    timeoutVoteMs: param(consensusJSON, "timeoutVoteMs", ".consensus", 500n),
    timeoutDeltaMs: param(consensusJSON, "timeoutDeltaMs", ".consensus", 500n),
    timeoutMaxMs: param(consensusJSON, "timeoutMaxMs", ".consensus", 10000n),
  };
  let threshold = 1;
  if (administrationJSON !== undefined) {
    const t = field(administrationJSON, "threshold", ".administration", "integer", { max: 255 });
    threshold = Number(t);
  }
  const observers = observersJSON.map((o, i) => {
    const p = `.observers[${i}]`;
    strictObject(o, ["name", "publicKey"], p);
    return { name: field(o, "name", p, "string"), publicKeyHex: field(o, "publicKey", p, "string") };
  });

  // Values, as GenesisFile.genesis() builds them.
  const genesisTime = rfc3339Milliseconds(genesisTimeText);
  if (genesisTime === null) throw jsonError(`genesisTime "${genesisTimeText}" must be an RFC 3339 UTC time such as 2026-01-01T00:00:00Z`);
  for (const a of assets) if (!/^[A-Z0-9]{1,12}$/.test(a.code)) throw invalid(`asset code "${a.code}" must be 1-12 characters A-Z, 0-9`);
  for (const v of validators) v.publicKey = key(v.publicKeyHex, `validator ${v.name}`);
  for (const a of accounts) {
    a.role = ROLES.indexOf(a.roleName) + 1;
    if (a.role === 0) throw invalid(`account ${a.label} has unknown role "${a.roleName}" (one of: ${ROLES.join(", ")})`);
    a.publicKey = key(a.publicKeyHex, `account ${a.label}`);
  }
  for (const m of methods) if (!/^[a-z0-9-]{1,32}$/.test(m.name)) throw invalid(`payment method name "${m.name}" must be 1-32 characters a-z, 0-9, -`);
  for (const s of schedules) {
    if (!/^[a-z0-9-]{1,32}$/.test(s.method)) throw invalid(`fee schedule method "${s.method}" must be 1-32 characters a-z, 0-9, -`);
    const asset = assets.find((a) => a.code === s.asset);
    if (!asset) throw invalid(`fee schedule uses unregistered asset ${s.asset}`);
    if (s.bearer !== "payer" && s.bearer !== "payee") throw invalid(`fee bearer must be "payer" or "payee", got "${s.bearer}"`);
    s.bearerCode = s.bearer === "payer" ? 1 : 2;
    const amount = (t) => {
      if (t === undefined) return null;
      try {
        return parseAmount(t, asset.decimals);
      } catch (error) {
        throw invalid(`fee amount "${t}" for ${asset.code}: ${error.message}`);
      }
    };
    s.fixedUnits = amount(s.fixed) ?? 0n;
    s.minimumUnits = amount(s.minimum);
    s.maximumUnits = amount(s.maximum);
    s.feeAccount = key(s.feeAccountHex, `fee account of ${s.method}/${s.asset}`);
  }
  for (const o of observers) o.publicKey = key(o.publicKeyHex, `observer ${o.name}`);

  // Genesis.validate().
  if (!/^[a-z0-9._-]{1,64}$/.test(chainId)) throw invalid(`chainId "${chainId}" must be 1-64 characters a-z 0-9 . - _`);
  if (validators.length === 0 || validators.length > 256) throw invalid("there must be 1-256 validators");
  let total = 0n;
  for (const v of validators) {
    if (v.power === 0n) throw invalid(`validator ${v.name} has zero power`);
    if (v.name === "" || bytesOf(v.name) > 64) throw invalid("validator names must be 1-64 bytes");
    if (publicKeyProblem(v.publicKey) !== null) throw invalid(`validator ${v.name} has an unacceptable public key`);
    total += v.power;
    if (total > 1n << 60n) throw invalid("total voting power is too large");
  }
  const distinct = (list) => new Set(list).size === list.length;
  if (!distinct(validators.map((v) => toHex(v.publicKey)))) throw invalid("validator keys must be distinct");
  if (observers.length > 256) throw invalid("there may be at most 256 observers");
  for (const o of observers) {
    if (o.name === "" || bytesOf(o.name) > 64) throw invalid("observer names must be 1-64 bytes");
    if (publicKeyProblem(o.publicKey) !== null) throw invalid(`observer ${o.name}'s key is not an acceptable Ed25519 public key`);
  }
  if (!distinct(observers.map((o) => toHex(o.publicKey)))) throw invalid("observer keys must be distinct");
  const validatorKeys = new Set(validators.map((v) => toHex(v.publicKey)));
  const both = observers.find((o) => validatorKeys.has(toHex(o.publicKey)));
  if (both) throw invalid(`observer ${both.name} has a validator's key; a node is either a validator or an observer, with a key of its own`);
  if (!distinct(assets.map((a) => a.code))) throw invalid("asset codes must be distinct");
  for (const a of assets) {
    if (a.decimals > 18) throw invalid(`asset ${a.code} has ${a.decimals} decimals, at most 18 allowed`);
    if (a.name === "" || bytesOf(a.name) > 64) throw invalid("asset name must be 1-64 bytes");
  }
  if (!distinct(accounts.map((a) => toHex(a.publicKey)))) throw invalid("account keys must be distinct");
  for (const a of accounts) {
    if (a.label === "" || bytesOf(a.label) > 64) throw invalid("account labels must be 1-64 bytes");
    if (publicKeyProblem(a.publicKey) !== null) throw invalid(`account ${a.label} has an unacceptable public key`);
  }
  const admins = accounts.filter((a) => a.roleName === "admin").length;
  if (admins === 0) throw invalid("genesis needs at least one admin account");
  if (threshold < 1 || threshold > 16) throw invalid("administration.threshold must be 1-16 (the signatures one transaction can carry)");
  if (threshold > admins) throw invalid(`administration.threshold is ${threshold} but the genesis has ${admins} admin account(s): no administration transaction could ever apply; enrol more admins in the genesis or lower the threshold`);
  if (!distinct(methods.map((m) => m.name))) throw invalid("payment method names must be distinct");
  for (const m of methods) {
    if (m.label !== null && (m.label === "" || bytesOf(m.label) > 64)) throw invalid(`payment method ${m.name} has a label that is empty or over 64 bytes (leave it out instead of empty)`);
  }
  const seen = new Set();
  for (const s of schedules) {
    if (!methods.some((m) => m.name === s.method)) throw invalid(`fee schedule ${s.method}/${s.asset} names a payment method the genesis does not list in "methods"`);
    if (seen.has(`${s.method}/${s.asset}`)) throw invalid(`fee schedule for ${s.method}/${s.asset} is listed twice`);
    seen.add(`${s.method}/${s.asset}`);
    if (s.basisPoints > 10000) throw invalid(`basis points ${s.basisPoints} exceed 10000 (100%)`);
    if (s.minimumUnits !== null && s.maximumUnits !== null && s.minimumUnits > s.maximumUnits) throw invalid(`fee minimum ${s.minimumUnits} exceeds maximum ${s.maximumUnits}`);
    if (!accounts.some((a) => toHex(a.publicKey) === toHex(s.feeAccount) && a.roleName === "fee")) {
      throw invalid(`fee schedule ${s.method}/${s.asset} credits an account that is not a genesis fee account`);
    }
  }
  if (ledger.maxBlockTransactions === 0n || ledger.maxBlockTransactions > 100000n) throw invalid("ledger.maxBlockTransactions must be 1-100000");
  if (ledger.maxTransactionLifetimeMs === 0n || ledger.maxHoldLifetimeMs === 0n) throw invalid("lifetimes must be positive");
  if (consensus.timeoutMaxMs < consensus.timeoutProposeMs || consensus.timeoutMaxMs < consensus.timeoutVoteMs) throw invalid("consensus.timeoutMaxMs must be at least every base timeout");

  // The canonical encoding (docs/encoding.md §4.14).
  const w = new Writer();
  w.u8(PROTOCOL_VERSION).string(chainId).u64(genesisTime);
  w.list(validators, (v) => writeValidator(w, v));
  w.list(assets, (a) => w.string(a.code).u8(a.decimals).string(a.name));
  w.list(accounts, (a) => w.raw(a.publicKey).u8(a.role).string(a.label).bool(false));
  w.list(methods, (m) => {
    w.string(m.name);
    w.option(m.label, (l) => w.string(l));
  });
  w.list(schedules, (s) => {
    w.string(s.method).string(s.asset).u64(s.fixedUnits).u16(s.basisPoints);
    w.option(s.minimumUnits, (v) => w.u64(v));
    w.option(s.maximumUnits, (v) => w.u64(v));
    w.u8(s.bearerCode).raw(s.feeAccount);
  });
  w.u64(ledger.maxTransactionLifetimeMs).u64(ledger.maxHoldLifetimeMs).u32(ledger.maxBlockTransactions);
  w.u64(consensus.blockIntervalMs).u64(consensus.timeoutProposeMs).u64(consensus.timeoutVoteMs).u64(consensus.timeoutDeltaMs).u64(consensus.timeoutMaxMs);
  w.u8(threshold);
  if (observers.length > 0) w.list(observers, (o) => w.string(o.name).raw(o.publicKey));
  const bytes = w.bytes();
  const hash = await sha256(concat(TAGS.genesis, bytes));
  return {
    chainId,
    genesisTime,
    validators: validators.map((v) => ({ name: v.name, publicKey: v.publicKey, power: v.power })),
    validatorsHash: await validatorSetHash(validators),
    accounts: accounts.map((a) => ({ label: a.label, publicKey: a.publicKey, role: a.roleName })),
    assets: assets.map((a) => ({ code: a.code, decimals: a.decimals, name: a.name })),
    observers: observers.map((o) => ({ name: o.name, publicKey: o.publicKey })),
    bytes,
    hash,
  };
}
