// Strict Ed25519 (docs/encoding.md §6.2), as Sources/SettleCrypto/StrictEd25519.swift:
// S < L, canonical A and R, A and R none of the 14 low-order encodings, then
// the cofactorless RFC 8032 equation, which WebCrypto's Ed25519 checks.
// Chromium's WebCrypto is BoringSSL, the library swift-crypto uses on Linux:
// with the same pre-checks in the same order, the accepted set is the nodes'
// (docs/explorer.md, "The verifier in the browser", gives the measured counts).

import { fromHex, toHex } from "./bytes.js";

/** L, little-endian. */
const ORDER_L = fromHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

const LOW_ORDER = new Set([
  "0000000000000000000000000000000000000000000000000000000000000000",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000080",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
]);

const P = (1n << 255n) - 19n;

function littleEndian(bytes) {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** S, read little-endian, is below L. */
export function isCanonicalScalar(s) {
  for (let i = 31; i >= 0; i--) {
    if (s[i] !== ORDER_L[i]) return s[i] < ORDER_L[i];
  }
  return false;
}

/** y < p, and the sign bit is clear when x = 0 (y = 1 or y = p − 1). */
export function isCanonicalPoint(point) {
  const y = littleEndian(point) & ((1n << 255n) - 1n);
  if (y >= P) return false;
  const sign = (point[31] & 0x80) !== 0;
  if (sign && (y === 1n || y === P - 1n)) return false;
  return true;
}

export function isLowOrderPoint(point) {
  return LOW_ORDER.has(toHex(point));
}

function power(base, exp) {
  let result = 1n;
  base %= P;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % P;
    base = (base * base) % P;
    exp >>= 1n;
  }
  return result;
}

/** y has an x on edwards25519: (y² − 1) / (d·y² + 1) is a square mod p. */
export function isOnCurve(point) {
  const y = littleEndian(point) & ((1n << 255n) - 1n);
  if (y >= P) return false;
  const d = (P - ((121665n * power(121666n, P - 2n)) % P)) % P;
  const yy = (y * y) % P;
  const u = (yy - 1n + P) % P;
  const v = (d * yy + 1n) % P;
  const x2 = (u * power(v, P - 2n)) % P;
  if (x2 === 0n) return (point[31] & 0x80) === 0;
  return power(x2, (P - 1n) / 2n) === 1n;
}

/** Why `publicKey` may not be enrolled (canonical, not low order, on the curve), or null. */
export function publicKeyProblem(publicKey) {
  if (!isCanonicalPoint(publicKey)) return "public key is a non-canonical point encoding";
  if (isLowOrderPoint(publicKey)) return "public key is a low-order point";
  if (!isOnCurve(publicKey)) return "public key is not a point on edwards25519";
  return null;
}

const keyCache = new Map();

async function importKey(publicKey) {
  const hex = toHex(publicKey);
  let key = keyCache.get(hex);
  if (key === undefined) {
    key = crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]).catch(() => null);
    if (keyCache.size > 4096) keyCache.clear();
    keyCache.set(hex, key);
  }
  return key;
}

/**
 * Null when `signature` (64 bytes, R ‖ S) is a strict Ed25519 signature of
 * `message` by `publicKey` (32 bytes), otherwise the first rule it breaks,
 * in the order of StrictEd25519.check.
 */
export async function strictCheck(signature, message, publicKey) {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return "signature is not 64 bytes";
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return "public key is not 32 bytes";
  const r = signature.subarray(0, 32);
  const s = signature.subarray(32, 64);
  if (!isCanonicalScalar(s)) return "signature scalar S is not below the group order L";
  if (!isCanonicalPoint(publicKey)) return "public key is a non-canonical point encoding";
  if (isLowOrderPoint(publicKey)) return "public key is a low-order point";
  if (!isCanonicalPoint(r)) return "signature point R is a non-canonical encoding";
  if (isLowOrderPoint(r)) return "signature point R is a low-order point";
  const key = await importKey(publicKey);
  if (key === null) return "signature does not verify";
  let ok = false;
  try {
    ok = await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  } catch {
    ok = false;
  }
  return ok ? null : "signature does not verify";
}

/** True when the signature passes every rule of strictCheck. */
export async function strictVerify(signature, message, publicKey) {
  return (await strictCheck(signature, message, publicKey)) === null;
}
