// BlockHeader (docs/encoding.md §4.10) from its canonical bytes, and its hash
// SHA-256(SETTLE/BLOCK/V1\0 ‖ header) (§5).

import { Reader, TAGS, concat, sha256, toHex } from "./bytes.js";

export const HEADER_VERSION = 3;

/** Decodes a header read from `reader` (throws VerifyError). */
export function readHeader(reader) {
  const start = reader.at;
  const header = {
    version: reader.version("header.version", HEADER_VERSION),
    chainId: reader.string("header.chainId", 64),
    height: reader.u64("header.height"),
    timestamp: reader.u64("header.timestamp"),
    previousHash: reader.bytes32("header.previousHash"),
    proposer: reader.bytes32("header.proposer"),
    transactionCount: reader.u32("header.transactionCount"),
    transactionsRoot: reader.bytes32("header.transactionsRoot"),
    logSize: reader.u64("header.logSize"),
    logRoot: reader.bytes32("header.logRoot"),
    stateRoot: reader.bytes32("header.stateRoot"),
    validatorsHash: reader.bytes32("header.validatorsHash"),
    nextValidatorsHash: reader.bytes32("header.nextValidatorsHash"),
  };
  header.bytes = reader.bytes.slice(start, reader.at);
  return header;
}

/** Decodes a whole header's bytes, nothing left over; `header.hash` is set. */
export async function decodeHeader(bytes) {
  const reader = new Reader(bytes);
  const header = readHeader(reader);
  reader.end("header");
  header.hash = await headerHash(header.bytes);
  return header;
}

/** The block hash of a header's canonical bytes. */
export function headerHash(bytes) {
  return sha256(concat(TAGS.block, bytes));
}

/** A header as JSON-friendly values (hex, decimal strings). */
export function describeHeader(header) {
  return {
    chainId: header.chainId,
    height: header.height.toString(),
    timestamp: header.timestamp.toString(),
    hash: header.hash ? toHex(header.hash) : undefined,
    previousHash: toHex(header.previousHash),
    proposer: toHex(header.proposer),
    transactionCount: header.transactionCount,
    logSize: header.logSize.toString(),
    logRoot: toHex(header.logRoot),
    stateRoot: toHex(header.stateRoot),
    validatorsHash: toHex(header.validatorsHash),
    nextValidatorsHash: toHex(header.nextValidatorsHash),
  };
}
