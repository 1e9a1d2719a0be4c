// Bytes, hex and base64, SHA-256 (WebCrypto), and the canonical reader and
// writer of docs/encoding.md §2: fixed-width big-endian integers, strict
// bools and option tags, length-prefixed strings, blobs and lists, and a
// decoder that refuses bytes left over. Integers of 64 bits are BigInt so
// nothing is rounded.

/** A problem with the input, in words a person understands. Never leaves the public API. */
export class VerifyError extends Error {
  constructor(reason, code = "malformed") {
    super(reason);
    this.reason = reason;
    this.code = code;
  }
}

const HEX = "0123456789abcdef";

/** Lower-case hex of `bytes`. */
export function toHex(bytes) {
  let out = "";
  for (const b of bytes) out += HEX[b >> 4] + HEX[b & 15];
  return out;
}

/** Bytes of a hex string (either case, even length); throws VerifyError naming `what`. */
export function fromHex(text, what = "value") {
  if (typeof text !== "string") throw new VerifyError(`${what} is not a hex string`);
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new VerifyError(`${what} is not hex`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
}

/** A 32-byte hash or key from 64 hex characters. */
export function fromHex32(text, what = "value") {
  if (typeof text !== "string" || text.length !== 64) throw new VerifyError(`${what} must be 64 hex characters`);
  return fromHex(text, what);
}

/** Bytes of standard base64. */
export function fromBase64(text) {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

export function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equal(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** SHA-256 with WebCrypto. */
export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

const ascii = (text) => new TextEncoder().encode(text);

/** Domain tags (docs/encoding.md §3): ASCII text and a zero byte. */
export const TAGS = Object.freeze({
  transaction: ascii("SETTLE/TX/V1\0"),
  block: ascii("SETTLE/BLOCK/V1\0"),
  vote: ascii("SETTLE/VOTE/V1\0"),
  genesis: ascii("SETTLE/GENESIS/V1\0"),
  validators: ascii("SETTLE/VALIDATORS/V1\0"),
});

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const INT64_MAX = (1n << 63n) - 1n;

/** Reads canonical encodings; every method throws VerifyError naming the field and offset. */
export class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.at = 0;
  }
  need(field, n) {
    if (this.bytes.length - this.at < n) {
      throw new VerifyError(`${field}: truncated at byte ${this.at} (needs ${n}, ${this.bytes.length - this.at} left)`);
    }
  }
  take(field, n) {
    this.need(field, n);
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  u8(field) {
    this.need(field, 1);
    return this.bytes[this.at++];
  }
  u16(field) {
    const b = this.take(field, 2);
    return (b[0] << 8) | b[1];
  }
  u32(field) {
    const b = this.take(field, 4);
    return ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
  }
  u64(field) {
    const b = this.take(field, 8);
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    return v;
  }
  amount(field) {
    const start = this.at;
    const v = this.u64(field);
    if (v > INT64_MAX) throw new VerifyError(`${field}: amount at byte ${start} exceeds the maximum ${INT64_MAX}`);
    return v;
  }
  bool(field) {
    const start = this.at;
    const b = this.u8(field);
    if (b > 1) throw new VerifyError(`${field}: byte ${start} is ${b}, not a bool (0 or 1)`);
    return b === 1;
  }
  version(field, supported) {
    const start = this.at;
    const v = this.u8(field);
    if (v !== supported) throw new VerifyError(`${field}: version ${v} at byte ${start}, only ${supported} is supported`);
    return v;
  }
  bytes32(field) {
    return this.take(field, 32).slice();
  }
  signature(field) {
    return this.take(field, 64).slice();
  }
  string(field, max) {
    const start = this.at;
    const n = this.u16(field);
    if (n > max) throw new VerifyError(`${field}: length ${n} at byte ${start} is over the limit ${max}`);
    const raw = this.take(field, n);
    try {
      return utf8.decode(raw);
    } catch {
      throw new VerifyError(`${field}: not well-formed UTF-8 at byte ${start}`);
    }
  }
  blob(field, max) {
    const start = this.at;
    const n = this.u32(field);
    if (n > max) throw new VerifyError(`${field}: length ${n} at byte ${start} is over the limit ${max}`);
    return this.take(field, n).slice();
  }
  option(field, read) {
    const start = this.at;
    const tag = this.u8(field);
    if (tag === 0) return null;
    if (tag === 1) return read();
    throw new VerifyError(`${field}: option tag ${tag} at byte ${start} is not 0 or 1`);
  }
  list(field, max, read) {
    const start = this.at;
    const n = this.u32(field);
    if (n > max) throw new VerifyError(`${field}: ${n} elements at byte ${start}, over the limit ${max}`);
    const out = [];
    for (let i = 0; i < n; i++) out.push(read(i));
    return out;
  }
  end(what) {
    if (this.at !== this.bytes.length) {
      throw new VerifyError(`${what}: ${this.bytes.length - this.at} bytes left over after byte ${this.at}`);
    }
  }
}

/** Writes canonical encodings. */
export class Writer {
  constructor() {
    this.parts = [];
  }
  raw(bytes) {
    this.parts.push(bytes);
    return this;
  }
  u8(v) {
    return this.raw(Uint8Array.of(Number(v) & 255));
  }
  u16(v) {
    v = Number(v);
    return this.raw(Uint8Array.of((v >> 8) & 255, v & 255));
  }
  u32(v) {
    v = Number(v);
    return this.raw(Uint8Array.of((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255));
  }
  u64(v) {
    let x = BigInt(v);
    const out = new Uint8Array(8);
    for (let i = 7; i >= 0; i--) {
      out[i] = Number(x & 255n);
      x >>= 8n;
    }
    return this.raw(out);
  }
  bool(v) {
    return this.u8(v ? 1 : 0);
  }
  string(text) {
    const b = new TextEncoder().encode(text);
    return this.u16(b.length).raw(b);
  }
  option(value, write) {
    if (value === null || value === undefined) return this.u8(0);
    this.u8(1);
    write(value);
    return this;
  }
  list(items, write) {
    this.u32(items.length);
    for (const item of items) write(item);
    return this;
  }
  bytes() {
    return concat(...this.parts);
  }
}
