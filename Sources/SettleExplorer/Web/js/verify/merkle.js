// RFC 9162 Merkle hashes and proof verification (docs/encoding.md §7), as
// Sources/SettleCrypto/MerkleProofVerifier.swift: the proof's length is
// checked against the one the sizes determine before the path is folded, so
// a malformed proof is reported as such rather than as a root mismatch.
// Sizes and indexes are BigInt (a log may pass 2^53 entries).

import { concat, equal, sha256, toHex } from "./bytes.js";

/** SHA-256(0x00 ‖ data). */
export function leafHash(data) {
  return sha256(concat(Uint8Array.of(0), data));
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/** MTH over leaf hashes (largest power of two strictly less than n splits). */
export async function rootOfLeafHashes(hashes) {
  if (hashes.length === 0) return sha256(new Uint8Array(0));
  if (hashes.length === 1) return hashes[0];
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return nodeHash(await rootOfLeafHashes(hashes.slice(0, k)), await rootOfLeafHashes(hashes.slice(k)));
}

function bitLength(x) {
  return x === 0n ? 0 : x.toString(2).length;
}

function popCount(x) {
  let n = 0;
  for (const c of x.toString(2)) if (c === "1") n++;
  return n;
}

function trailingZeros(x) {
  let n = 0;
  while (x > 0n && (x & 1n) === 0n) {
    x >>= 1n;
    n++;
  }
  return n;
}

function decompose(leafIndex, treeSize) {
  const inner = bitLength(leafIndex ^ (treeSize - 1n));
  const border = popCount(leafIndex >> BigInt(inner));
  return [inner, border];
}

function inclusionPathLength(leafIndex, treeSize) {
  const [inner, border] = decompose(leafIndex, treeSize);
  return inner + border;
}

function consistencyPathLength(oldSize, newSize) {
  const [inner, border] = decompose(oldSize - 1n, newSize);
  const seed = (oldSize & (oldSize - 1n)) === 0n ? 0 : 1;
  return inner - trailingZeros(oldSize) + border + seed;
}

const fail = (reason) => ({ ok: false, reason });

function big(value) {
  return typeof value === "bigint" ? value : BigInt(value);
}

/**
 * Does `proof` show that `leaf` (a leaf hash) is leaf `leafIndex` of the
 * tree of `treeSize` leaves whose root is `root`? `{ok}` or `{ok: false, reason}`.
 */
export async function verifyInclusion(leaf, leafIndex, treeSize, proof, root) {
  leafIndex = big(leafIndex);
  treeSize = big(treeSize);
  if (leafIndex >= treeSize) return fail(`leaf index ${leafIndex} is not below the tree size ${treeSize}`);
  const expected = inclusionPathLength(leafIndex, treeSize);
  if (proof.length !== expected) return fail(`the proof has ${proof.length} hashes, a tree of this size needs ${expected}`);
  let fn = leafIndex;
  let sn = treeSize - 1n;
  let hash = leaf;
  for (const sibling of proof) {
    if ((fn & 1n) === 1n || fn === sn) {
      hash = await nodeHash(sibling, hash);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      hash = await nodeHash(hash, sibling);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return fail(`the proof has ${proof.length} hashes, a tree of this size needs ${expected}`);
  if (!equal(hash, root)) return fail(`the proof leads to root ${toHex(hash)}, not ${toHex(root)}`);
  return { ok: true };
}

/**
 * Does `proof` show that the tree of `newSize` leaves with root `newRoot`
 * extends the tree of `oldSize` leaves with root `oldRoot`?
 */
export async function verifyConsistency(oldSize, newSize, proof, oldRoot, newRoot) {
  oldSize = big(oldSize);
  newSize = big(newSize);
  if (oldSize > newSize) return fail(`the old tree (${oldSize}) is larger than the new one (${newSize})`);
  if (oldSize === 0n) return fail("RFC 9162 defines no consistency proof from the empty tree");
  if (oldSize === newSize) {
    if (proof.length !== 0) return fail(`the proof has ${proof.length} hashes, equal sizes need none`);
    if (!equal(oldRoot, newRoot)) return fail("two different roots for the same tree size");
    return { ok: true };
  }
  const expected = consistencyPathLength(oldSize, newSize);
  if (proof.length !== expected) return fail(`the proof has ${proof.length} hashes, these sizes need ${expected}`);
  let rest = proof;
  let seed;
  if ((oldSize & (oldSize - 1n)) === 0n) {
    seed = oldRoot;
  } else {
    seed = proof[0];
    rest = proof.slice(1);
  }
  let fn = oldSize - 1n;
  let sn = newSize - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let oldHash = seed;
  let newHash = seed;
  for (const hash of rest) {
    if (sn === 0n) return fail(`the proof has ${proof.length} hashes, these sizes need ${expected}`);
    if ((fn & 1n) === 1n || fn === sn) {
      oldHash = await nodeHash(hash, oldHash);
      newHash = await nodeHash(hash, newHash);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      newHash = await nodeHash(newHash, hash);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return fail(`the proof has ${proof.length} hashes, these sizes need ${expected}`);
  if (!equal(oldHash, oldRoot)) return fail(`the proof leads to old root ${toHex(oldHash)}, not ${toHex(oldRoot)}`);
  if (!equal(newHash, newRoot)) return fail(`the proof leads to new root ${toHex(newHash)}, not ${toHex(newRoot)}`);
  return { ok: true };
}
