// The browser verifier's tests, run by verifier-test.html in headless
// Chromium (Tests/explorer/test_verifier.py reads window.verifierResults).
// Each suite counts passes and lists failures; the Python side fails on any
// failure, on a suite that should have run but did not, and on any console
// error. Shared vectors are read from `?shared=<url>` when the harness serves
// ../shared; without it those suites are skipped (the harness decides
// whether that is allowed).

import * as V from "../../Sources/SettleExplorer/Web/js/verify/index.js";
import { TAGS, Writer, concat, fromBase64, fromHex, sha256, toHex } from "../../Sources/SettleExplorer/Web/js/verify/bytes.js";
import { encodeVote, voteSigningMessage } from "../../Sources/SettleExplorer/Web/js/verify/certificate.js";
import { strictCheck } from "../../Sources/SettleExplorer/Web/js/verify/ed25519.js";
import { encodeValidators, validatorSetHash } from "../../Sources/SettleExplorer/Web/js/verify/validators.js";
import { verifyConsistency, verifyInclusion } from "../../Sources/SettleExplorer/Web/js/verify/merkle.js";

const results = { done: false, suites: {}, timings: {}, errors: [] };
window.verifierResults = results;
window.addEventListener("error", (e) => results.errors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => results.errors.push(String(e.reason?.stack ?? e.reason)));

const params = new URLSearchParams(location.search);
const sharedRoot = params.get("shared");

function suite(name) {
  const s = { passed: 0, failures: [], notes: [], skipped: null };
  results.suites[name] = s;
  s.expect = (condition, what) => {
    if (condition) s.passed++;
    else s.failures.push(what);
  };
  s.equal = (actual, expected, what) => s.expect(actual === expected, `${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  return s;
}

async function getJSON(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

async function getText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.text();
}

// ---------------------------------------------------------------------------
// Development keys (docs/encoding.md §6.1) in WebCrypto, for the synthetic chain.

const PKCS8_ED25519_PREFIX = fromHex("302e020100300506032b657004220420");

async function devKey(name) {
  const seed = await sha256(new TextEncoder().encode(`settle insecure development key/${name}`));
  const key = await crypto.subtle.importKey("pkcs8", concat(PKCS8_ED25519_PREFIX, seed), { name: "Ed25519" }, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", key);
  const publicKey = fromBase64(jwk.x.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (jwk.x.length % 4)) % 4));
  return { name, key, publicKey, sign: async (message) => new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, message)) };
}

function encodeHeader(h) {
  const w = new Writer();
  w.u8(3).string(h.chainId).u64(h.height).u64(h.timestamp).raw(h.previousHash).raw(h.proposer).u32(h.transactionCount);
  w.raw(h.transactionsRoot).u64(h.logSize).raw(h.logRoot).raw(h.stateRoot).raw(h.validatorsHash).raw(h.nextValidatorsHash);
  return w.bytes();
}

function encodeCertificate(c) {
  const w = new Writer();
  w.u8(1).u64(c.height).u32(c.round).raw(c.blockHash);
  w.list(c.signatures, (s) => w.option(s, (x) => w.raw(x)));
  return w.bytes();
}

// ---------------------------------------------------------------------------
// docs/encoding.md §10: the published vectors that concern the verifier.

async function encodingVectors(genesisText) {
  const s = suite("encoding-vectors");
  const doc = await getText("/docs/encoding.md");
  const genesisHex = /<summary>genesis encoding \(hex\)<\/summary>\s*```\s*([0-9a-f]+)\s*```/.exec(doc)?.[1];
  s.expect(genesisHex !== undefined, "docs/encoding.md has the genesis encoding block");
  const loaded = await V.loadGenesis(genesisText);
  s.expect(loaded.ok, `genesis/local-4.json loads: ${loaded.reason}`);
  if (!loaded.ok) return null;
  s.equal(loaded.hash, "ba14d9e55c720c43ed3228d8aa56833f548b0fb48e562f10ca2ae650abf47964", "development genesis hash");
  s.equal(toHex(loaded.genesis.bytes), genesisHex, "development genesis encoding (1 322 bytes)");
  s.equal(toHex(await validatorSetHash(loaded.genesis.validators)), "c91d76ead22b54328436dd7c2b15a324c2e45462cb227d4fae923ef23bd86fd2", "development validator set hash");

  const placeholder =
    "03000c736574746c652d6c6f63616c00000000000000020000019b76daabe8e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8554e0fcf99b039ee282754d91beea84538f3dba4eb853c204fbbefed0e7c1d5205000000016e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d0000000000000002fe43d66afa4a9a5c4f9c9da89f4ffb52635c8f342e7ffb731d68e36c5982072a4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459adbc1b4c900ffe48d575b5da5c638040125f65db0fe3e24494b76ea986457d986084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5";
  const decoded = await V.decodeBlockHeader(placeholder);
  s.equal(decoded.hash, "0f840a47831d96f645ad1fd33c463d33416494a679903c16f92e2a626e1d87da", "§10.1 block header hash");
  s.equal(decoded.height, "2", "§10.1 block header height");
  const validator0 = "4e0fcf99b039ee282754d91beea84538f3dba4eb853c204fbbefed0e7c1d5205";
  const vote = encodeVote({ chainId: "settle-local", height: 2n, round: 0, step: 2, blockHash: fromHex(decoded.hash), validator: fromHex(validator0) });
  s.equal(toHex(vote), "01000c736574746c652d6c6f63616c00000000000000020000000002010f840a47831d96f645ad1fd33c463d33416494a679903c16f92e2a626e1d87da4e0fcf99b039ee282754d91beea84538f3dba4eb853c204fbbefed0e7c1d5205", "§10.1 precommit vote");
  const nilVote = encodeVote({ chainId: "settle-local", height: 2n, round: 1, step: 1, blockHash: null, validator: fromHex(validator0) });
  s.equal(toHex(nilVote), "01000c736574746c652d6c6f63616c00000000000000020000000101004e0fcf99b039ee282754d91beea84538f3dba4eb853c204fbbefed0e7c1d5205", "§10.1 nil prevote");
  const signedPrecommit =
    "01000c736574746c652d6c6f63616c00000000000000020000000002010f840a47831d96f645ad1fd33c463d33416494a679903c16f92e2a626e1d87da4e0fcf99b039ee282754d91beea84538f3dba4eb853c204fbbefed0e7c1d520547d9508779bb6bf40c0d8bb52408bd033a9e0e8e06ff3fe56640e209ef0ed71a647aaefe2f98779bab282e0eeedf228ba3134582342004b4c2ad12f87d9c9802";
  const signature = signedPrecommit.slice(-128);
  s.expect((await V.verifySignature(signature, toHex(concat(TAGS.vote, vote)), validator0)).ok, "§10.2 signed precommit verifies");
  const flipped = signature.slice(0, 10) + (signature[10] === "0" ? "1" : "0") + signature.slice(11);
  s.expect(!(await V.verifySignature(flipped, toHex(concat(TAGS.vote, vote)), validator0)).ok, "§10.2 signed precommit with a flipped bit is refused");

  const block1 = "03000c736574746c652d6c6f63616c00000000000000010000019b76daabe8ba14d9e55c720c43ed3228d8aa56833f548b0fb48e562f10ca2ae650abf479644e0fcf99b039ee282754d91beea84538f3dba4eb853c204fbbefed0e7c1d5205000000017555ea233cdb44b1514e19bbd98c3740188bc02a5fd1160baebb8c9612a0483400000000000000012e3c99300a98c7f333f4f5b4a5eb30b4ab1761ba5b951ad0b90c35166843f1cf7bec9fac590de2a957d9c45a2e4b14fd436b902d5a58d3a7aeae699fd6c442e3c91d76ead22b54328436dd7c2b15a324c2e45462cb227d4fae923ef23bd86fd2c91d76ead22b54328436dd7c2b15a324c2e45462cb227d4fae923ef23bd86fd2";
  const block2 = "03000c736574746c652d6c6f63616c00000000000000020000019b76daafd040a09cee688bd0a9e1672a2ec11c0d65c7e9c5c4f493bdd17ee89b9d8172f9194e0fcf99b039ee282754d91beea84538f3dba4eb853c204fbbefed0e7c1d5205000000016303f2da6762ba1b3e0ca1bfb7856e53a6e28d009a8b7a432aaa7ddbaa03a50a00000000000000024a2228370fb304804a2c32c3735cdcff10cd4795e8743caf383e9306317b6f15b75bae9e1dd1f16a7767c3f65e907830cb4f6f2e26191901ea5ba0cc7fd75028c91d76ead22b54328436dd7c2b15a324c2e45462cb227d4fae923ef23bd86fd2c91d76ead22b54328436dd7c2b15a324c2e45462cb227d4fae923ef23bd86fd2";
  const block3 = "03000c736574746c652d6c6f63616c00000000000000030000019b76dab3b8bff49afb0468a6b0b024a5ac0a4662a2c2e8a8973631a3dcbe5a33059a38ee184e0fcf99b039ee282754d91beea84538f3dba4eb853c204fbbefed0e7c1d520500000001adac2671f86851742571e5e593566ecb2e92a9e28d00eaeedcdc55648c5afa12000000000000000322ec01d565bd75bff8efb736a6c81b33bdfe5894077d6fc9631619ace1ac6fa19d31f95635d71c8a4ef5e614db42dc52b2bea261ab9fe4102038cda8b14ed14cc91d76ead22b54328436dd7c2b15a324c2e45462cb227d4fae923ef23bd86fd2c91d76ead22b54328436dd7c2b15a324c2e45462cb227d4fae923ef23bd86fd2";
  s.equal((await V.decodeBlockHeader(block1)).hash, "40a09cee688bd0a9e1672a2ec11c0d65c7e9c5c4f493bdd17ee89b9d8172f919", "§10.2 block 1 hash");
  s.equal((await V.decodeBlockHeader(block2)).hash, "bff49afb0468a6b0b024a5ac0a4662a2c2e8a8973631a3dcbe5a33059a38ee18", "§10.2 block 2 hash");
  s.equal((await V.decodeBlockHeader(block3)).hash, "46d6a2db37598ba5f264ade9bae8f7baf77e62a21908f991be16882d6405340d", "§10.2 block 3 hash");
  const commit2 =
    "01000000000000000200000000bff49afb0468a6b0b024a5ac0a4662a2c2e8a8973631a3dcbe5a33059a38ee18000000040141fcc463caa7c2f840bbca92ffc677e2db4f1d6ec051bb3730b335a543fe3e1121b9adcdea7b384d97ebdc2ea863a6ccbe39e75867d40f7ee977a57c17310700010ed0ef4b11135d9e914d9aab588e6b04cfe8e4a9ce3eee92d9e58dd59a2cc810a33296a0fa869ce31f66a8500fa5eb85befdae821d95d763762aea5a3e64f90100010172c9415de675aa744220bc8892ef67aaafafdc02eb869ef288164261973872d1f7128726b27ae3c9c73a56ef3558058a41be281c8de10e50f26a094b44af0a";
  const cert = await V.verifyCertificate(block2, commit2, loaded.genesis);
  s.expect(cert.ok, `§10.2 block 2 certificate verifies: ${cert.reason}`);
  s.equal(cert.signers?.map((x) => x.name).join(","), "validator-0,validator-1,validator-3", "§10.2 block 2 certificate signers");
  s.equal(cert.signedPower, "3", "§10.2 block 2 signed power");
  const badCommit = commit2.slice(0, 60) + (commit2[60] === "0" ? "1" : "0") + commit2.slice(61);
  s.expect(!(await V.verifyCertificate(block2, badCommit, loaded.genesis)).ok, "§10.2 block 2 certificate with one flipped signature bit is refused");
  s.expect(!(await V.verifyCertificate(block3, commit2, loaded.genesis)).ok, "§10.2 block 2's certificate does not certify block 3");

  // The validator set change of §10.2: the new set's hash and block 1's header.
  const v4 = "8693d274225223eef47958d7db040c193d93d9af15db52d5eaf991eb8c45b899";
  const newSet = [...loaded.genesis.validators, { name: "validator-4", publicKey: fromHex(v4), power: 1n }];
  s.equal(toHex(await validatorSetHash(newSet)), "ee3c07dcf2a67ca7bd5774ba6bb429bb2bca721d98594e7d76cd4d1599db6994", "§10.2 validator set after adding validator-4");
  const changeBlock1 = "03000c736574746c652d6c6f63616c00000000000000010000019b76daabe8ba14d9e55c720c43ed3228d8aa56833f548b0fb48e562f10ca2ae650abf479644e0fcf99b039ee282754d91beea84538f3dba4eb853c204fbbefed0e7c1d520500000003e8ae8a770f7502b1ca9755ef3cc2933068419bd69d802f27ff8b8e01f42b1f88000000000000000315f3556400aceef200618b421c603de3bca1876f576128405cfd270069476c18f0a0c3ef07a552c37a623998f904eab0ee4fc5c34c157b21c758dacfb7b42455c91d76ead22b54328436dd7c2b15a324c2e45462cb227d4fae923ef23bd86fd2c91d76ead22b54328436dd7c2b15a324c2e45462cb227d4fae923ef23bd86fd2";
  s.equal((await V.decodeBlockHeader(changeBlock1)).hash, "15e1346147463dc56640522d9f7dc7dafb51092bcabf7f2f67ad89abdc16c978", "§10.2 validator change block 1 hash");

  // §7.1 examples.
  const emptyLeaf = await sha256(Uint8Array.of(0));
  s.equal(toHex(emptyLeaf), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "§7.1 leaf hash of empty data");
  s.expect((await verifyInclusion(emptyLeaf, 1n, 2n, [emptyLeaf], fromHex("fe43d66afa4a9a5c4f9c9da89f4ffb52635c8f342e7ffb731d68e36c5982072a"))).ok, "§7.1 inclusion in the two-empty-leaf tree");

  // §10.1 keys: the development seeds give the published keys.
  for (const [name, key] of [["alice", "dd313e6b2a3aa03167e12f1e81fae1b9e9f22ad0b45dc662570b1494762bc9ad"], ["validator-0", validator0]]) {
    s.equal(toHex((await devKey(name)).publicKey), key, `§10.1 development key ${name}`);
  }
  return loaded.genesis;
}

// ---------------------------------------------------------------------------
// Bad input: every verdict says why, nothing throws.

async function badInput(genesisText) {
  const s = suite("bad-input");
  const cases = [
    ["not JSON", "this is not json {", /not JSON/],
    ["JSON but not an object", "[1,2]", /should be an object/],
    ["no protocolVersion", genesisText.replace(/"protocolVersion"\s*:\s*3\s*,/, ""), /protocolVersion/],
    ["an unknown field", genesisText.replace(/\{/, '{"chainID": "x",'), /unknown field "chainID"/],
    ["a missing field", genesisText.replace(/"genesisTime"\s*:\s*"[^"]*"\s*,/, ""), /missing field .genesisTime/],
  ];
  for (const [what, text, pattern] of cases) {
    const verdict = await V.loadGenesis(text);
    s.expect(!verdict.ok && pattern.test(verdict.reason), `genesis ${what}: ${JSON.stringify(verdict)}`);
  }
  s.expect(!(await V.loadGenesis(undefined)).ok, "genesis undefined");
  const loaded = await V.loadGenesis(genesisText);
  for (const [what, receipt] of [
    ["not JSON", "{"],
    ["empty object", "{}"],
    ["null", "null"],
    ["wrong version", JSON.stringify({ version: 1 })],
  ]) {
    const verdict = await V.verifyReceipt(receipt, loaded.genesis);
    s.expect(!verdict.ok && verdict.code === "malformed" && typeof verdict.reason === "string", `receipt ${what}: ${JSON.stringify(verdict)}`);
  }
  const noGenesis = await V.verifyReceipt("{}", null);
  s.expect(!noGenesis.ok && /genesis/.test(noGenesis.reason), "receipt without a genesis");
  for (const [what, blocks] of [
    ["nothing", []],
    ["not hex", [{ header: "zz", commit: "00" }]],
    ["truncated header", [{ header: "0300", commit: "01" }]],
    ["null entry", [null]],
  ]) {
    const verdict = await V.verifyHeaders(blocks, loaded.genesis);
    s.expect(!verdict.ok && typeof verdict.reason === "string", `headers ${what}: ${JSON.stringify(verdict)}`);
  }
  s.expect(!(await V.decodeBlockHeader("03")).ok, "a one-byte header");
  s.expect(!(await V.verifySignature("00", "", "00")).ok, "short signature and key");
  s.expect(!(await V.verifyInclusion({ leafHash: "zz", leafIndex: 0, treeSize: 1, proof: [], root: "00" })).ok, "inclusion with bad hex");
}

// ---------------------------------------------------------------------------
// docs/vectors/verifier.json, built by Tests/SettleLedgerTests/VerifierVectorTests.swift.

async function sharedFileVectors() {
  const s = suite("verifier-json");
  let file;
  try {
    file = await getJSON("/docs/vectors/verifier.json");
  } catch (error) {
    s.failures.push(`docs/vectors/verifier.json: ${error.message}`);
    return;
  }
  const geneses = {};
  for (const [name, g] of Object.entries(file.geneses)) {
    const loaded = await V.loadGenesis(g.json);
    s.expect(loaded.ok, `genesis ${name} loads: ${loaded.reason}`);
    if (!loaded.ok) continue;
    s.equal(loaded.hash, g.hash, `genesis ${name} hash`);
    geneses[name] = loaded.genesis;
  }
  const main = geneses[file.chain.genesis];
  for (const block of file.chain.blocks) {
    const header = await V.decodeBlockHeader(block.header);
    s.equal(header.hash, block.hash, `block ${block.height} hash`);
  }
  const sets = new Map(file.chain.validatorSets.map((v) => [String(v.height), v]));
  const fetchValidators = async (height) => {
    const answer = sets.get(String(height));
    if (!answer) throw new Error(`no validator set answer for height ${height}`);
    return answer;
  };
  const run = await V.verifyHeaders(file.chain.blocks, main, { fetchValidators });
  s.expect(run.ok, `the chain's ${file.chain.blocks.length} blocks verify: ${run.reason}`);
  if (run.ok) {
    for (const [i, b] of run.blocks.entries()) s.equal(b.signers.map((x) => x.name).join(","), file.chain.blocks[i].signers.join(","), `block ${b.height} signers`);
  }
  // A node lying about the next set is caught.
  if (file.chain.validatorSets.length > 0) {
    const lying = async (height) => {
      const answer = structuredClone(await fetchValidators(height));
      answer.validators[0].power += 1;
      return answer;
    };
    const lied = await V.verifyHeaders(file.chain.blocks, main, { fetchValidators: lying });
    s.expect(!lied.ok && /hashes to/.test(lied.reason), `a wrong validator set answer is refused: ${JSON.stringify(lied.reason)}`);
  }
  // Every tampered block is refused at its height.
  for (const t of file.chain.tampered) {
    const blocks = structuredClone(file.chain.blocks);
    const b = blocks.find((x) => x.height === t.height);
    b[t.field] = t.hex;
    const verdict = await V.verifyHeaders(blocks, main, { fetchValidators });
    s.expect(!verdict.ok && verdict.height === String(t.height), `${t.name}: refused at height ${t.height}, got ${JSON.stringify({ ok: verdict.ok, height: verdict.height, reason: verdict.reason })}`);
  }
  for (const c of file.receipts) {
    const verdict = await V.verifyReceipt(c.receipt, geneses[c.genesis]);
    if (c.expect === "ok") {
      s.expect(verdict.ok, `receipt "${c.name}" verifies: ${verdict.reason}`);
      if (verdict.ok) s.equal(verdict.transactionId, c.transactionId, `receipt "${c.name}" transaction id`);
    } else {
      s.expect(!verdict.ok && verdict.code === c.expect, `receipt "${c.name}" is refused as ${c.expect}: got ${JSON.stringify({ code: verdict.code, reason: verdict.reason })}`);
    }
  }
  for (const c of file.merkle.inclusion) {
    const verdict = await V.verifyInclusion(c);
    s.equal(verdict.ok, c.valid, `inclusion "${c.name}" (${verdict.reason ?? "verified"})`);
  }
  for (const c of file.merkle.consistency) {
    const verdict = await V.verifyConsistency(c);
    s.equal(verdict.ok, c.valid, `consistency "${c.name}" (${verdict.reason ?? "verified"})`);
  }
}

// ---------------------------------------------------------------------------
// A synthetic chain of 100 blocks certified by the four development
// validators: the timing the task asks for, and tampering in a long run.

async function syntheticChain(genesis) {
  const s = suite("synthetic-chain");
  const keys = [];
  for (let i = 0; i < 4; i++) keys.push(await devKey(`validator-${i}`));
  for (let i = 0; i < 4; i++) s.equal(toHex(keys[i].publicKey), toHex(genesis.validators[i].publicKey), `validator-${i} key`);
  const setHash = await validatorSetHash(genesis.validators);
  const empty = await sha256(new Uint8Array(0));
  const blocks = [];
  let previous = genesis.hash;
  for (let height = 1n; height <= 100n; height++) {
    const header = encodeHeader({
      chainId: genesis.chainId, height, timestamp: genesis.genesisTime + height * 1000n, previousHash: previous, proposer: keys[Number(height % 4n)].publicKey,
      transactionCount: 0, transactionsRoot: empty, logSize: 0n, logRoot: empty, stateRoot: await sha256(new TextEncoder().encode(`state ${height}`)),
      validatorsHash: setHash, nextValidatorsHash: setHash,
    });
    const hash = await sha256(concat(TAGS.block, header));
    const signatures = [];
    for (let i = 0; i < 4; i++) {
      // Three of four sign every other block; all four otherwise.
      if (height % 2n === 0n && i === Number(height % 4n)) {
        signatures.push(null);
        continue;
      }
      signatures.push(await keys[i].sign(voteSigningMessage({ chainId: genesis.chainId, height, round: 0, step: 2, blockHash: hash, validator: keys[i].publicKey })));
    }
    blocks.push({ header: toHex(header), commit: toHex(encodeCertificate({ height, round: 0, blockHash: hash, signatures })) });
    previous = hash;
  }
  const runs = 3;
  let best = Infinity;
  let verdict;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    verdict = await V.verifyHeaders(blocks, genesis);
    best = Math.min(best, performance.now() - started);
  }
  s.expect(verdict.ok, `100 synthetic blocks verify: ${verdict.reason}`);
  s.equal(verdict.blocks?.length, 100, "100 blocks reported");
  results.timings.verify100Headers4Validators = { bestMs: Math.round(best * 10) / 10, runs, signatures: 350 };
  s.notes.push(`verifying 100 headers with 4-validator certificates: best of ${runs} runs ${best.toFixed(1)} ms (350 signatures)`);

  // Tampering anywhere in the run is caught at that block.
  const flip = (hex, at) => hex.slice(0, at) + ((parseInt(hex[at], 16) ^ 1).toString(16)) + hex.slice(at + 1);
  for (const [what, index, field, at, pattern] of [
    ["a header's state root", 49, "header", 2 * 171 + 5, /certificate of block 50 is for another block/],
    ["a header's previous hash", 9, "header", 2 * 31 + 1, /does not link/],
    ["a certificate signature", 69, "commit", 2 * 50, /block 70 is not final/],
    ["a certificate's round", 29, "commit", 2 * 12 + 1, /block 30 is not final/],
  ]) {
    const copy = structuredClone(blocks);
    copy[index][field] = flip(copy[index][field], at);
    const bad = await V.verifyHeaders(copy, genesis);
    s.expect(!bad.ok && bad.height === String(index + 1) && pattern.test(bad.reason) && bad.blocks.length === index, `tampered ${what}: ${JSON.stringify({ ok: bad.ok, height: bad.height, reason: bad.reason })}`);
  }
  // A missing block, and a quorum short of two thirds.
  const gap = blocks.filter((_, i) => i !== 40);
  const gapVerdict = await V.verifyHeaders(gap, genesis);
  s.expect(!gapVerdict.ok && /does not follow/.test(gapVerdict.reason), `a missing block: ${gapVerdict.reason}`);
  const weak = structuredClone(blocks.slice(0, 1));
  const cert = fromHex(weak[0].commit);
  const twoOnly = encodeCertificate({ height: 1n, round: 0, blockHash: cert.slice(13, 45), signatures: [cert.slice(50, 114), cert.slice(115, 179), null, null] });
  weak[0].commit = toHex(twoOnly);
  const weakVerdict = await V.verifyHeaders(weak, genesis);
  s.expect(!weakVerdict.ok && /not more than two thirds/.test(weakVerdict.reason), `two of four signatures: ${weakVerdict.reason}`);
}

// ---------------------------------------------------------------------------
// Shared vectors: Ed25519 (CCTV, Wycheproof) and RFC 9162 (transparency-dev).

/** The CCTV vectors libsodium and the nodes accept (Tests/SettleCryptoTests/Ed25519VectorTests.swift). */
const CCTV_ACCEPTED = new Set([7, 29, 50, 117, 139, 161, 182, 249, 305, 411, 425, 438, 465, 473, 481, 489, 497, 511, 525, 538, 565, 573, 581, 589, 597, 611, 625, 638, 665, 673, 681, 689, 697, 711, 725, 738, 765, 773, 781, 789, 797, 832, 899]);

async function ed25519Vectors() {
  const cctv = suite("ed25519-cctv");
  const wycheproof = suite("ed25519-wycheproof");
  if (!sharedRoot) {
    cctv.skipped = wycheproof.skipped = "../shared/vectors is not served";
    return;
  }
  const vectors = await getJSON(`${sharedRoot}/ed25519/cctv_ed25519vectors.json`);
  cctv.equal(vectors.length, 914, "CCTV vector count");
  const accepted = [];
  const reasons = {};
  for (const v of vectors) {
    const problem = await strictCheck(fromHex(v.sig), new TextEncoder().encode(v.msg), fromHex(v.key));
    if (problem === null) accepted.push(v.number);
    reasons[problem ?? "accepted"] = (reasons[problem ?? "accepted"] ?? 0) + 1;
    cctv.equal(problem === null, CCTV_ACCEPTED.has(v.number), `CCTV vector ${v.number} (${(v.flags ?? []).join(" ") || "no flags"})`);
  }
  cctv.notes.push(`accepted ${accepted.length} of ${vectors.length}; verdicts ${JSON.stringify(reasons)}`);
  results.timings.cctvAccepted = accepted.length;

  const file = await getJSON(`${sharedRoot}/ed25519/wycheproof_ed25519_test.json`);
  let total = 0;
  let acceptedCount = 0;
  for (const group of file.testGroups) {
    for (const t of group.tests) {
      total++;
      const sig = fromHex(t.sig);
      const ok = sig.length === 64 && (await strictCheck(sig, fromHex(t.msg), fromHex(group.publicKey.pk))) === null;
      if (ok) acceptedCount++;
      if (t.result !== "acceptable") wycheproof.equal(ok, t.result === "valid", `Wycheproof tcId ${t.tcId} (${t.comment || t.result})`);
    }
  }
  wycheproof.equal(total, 151, "Wycheproof case count");
  wycheproof.equal(acceptedCount, 88, "Wycheproof accepted count");
  wycheproof.notes.push(`accepted ${acceptedCount} of ${total}`);
  results.timings.wycheproofAccepted = acceptedCount;
}

async function merkleVectors() {
  const inclusion = suite("merkle-inclusion");
  const consistency = suite("merkle-consistency");
  if (!sharedRoot) {
    inclusion.skipped = consistency.skipped = "../shared/vectors is not served";
    return;
  }
  const files = await getJSON(`${sharedRoot}/merkle-files.json`);
  const hashes = (list) => {
    const out = list.map(fromBase64);
    return out.every((h) => h.length === 32) ? out : null;
  };
  const outcomes = { inclusion: { verified: 0, rejected: 0, malformedHash: 0 }, consistency: { verified: 0, rejected: 0, malformedHash: 0 } };
  for (const path of files.inclusion) {
    const v = await getJSON(`${sharedRoot}/merkle/testdata/inclusion/${path}`);
    const h = hashes([v.leafHash, v.root, ...(v.proof ?? [])]);
    let outcome = "malformedHash";
    if (h) outcome = (await verifyInclusion(h[0], BigInt(v.leafIdx), BigInt(v.treeSize), h.slice(2), h[1])).ok ? "verified" : "rejected";
    outcomes.inclusion[outcome]++;
    inclusion.expect(v.wantErr ? outcome !== "verified" : outcome === "verified", `inclusion ${path} (${v.desc}): ${outcome}`);
  }
  const exception = "additional/sizes-are-equal-one-and-proof-is-empty.json";
  for (const path of files.consistency) {
    const v = await getJSON(`${sharedRoot}/merkle/testdata/consistency/${path}`);
    const h = hashes([v.root1, v.root2, ...(v.proof ?? [])]);
    let outcome = "malformedHash";
    if (h) outcome = (await verifyConsistency(BigInt(v.size1), BigInt(v.size2), h.slice(2), h[0], h[1])).ok ? "verified" : "rejected";
    outcomes.consistency[outcome]++;
    if (path === exception) {
      // As MerkleVectorTests: 12-byte "roots" a 32-byte hash cannot be; checked for intent.
      const standIn = await sha256(fromBase64(v.root1));
      consistency.expect(outcome === "malformedHash" && !v.wantErr && (await verifyConsistency(BigInt(v.size1), BigInt(v.size2), [], standIn, standIn)).ok, `consistency ${path}`);
      continue;
    }
    consistency.expect(v.wantErr ? outcome !== "verified" : outcome === "verified", `consistency ${path} (${v.desc}): ${outcome}`);
  }
  inclusion.equal(files.inclusion.length, 98, "inclusion vector count");
  consistency.equal(files.consistency.length, 98, "consistency vector count");
  inclusion.equal(JSON.stringify(outcomes.inclusion), JSON.stringify({ verified: 6, rejected: 66, malformedHash: 26 }), "inclusion outcomes (as the Swift tests)");
  consistency.equal(JSON.stringify(outcomes.consistency), JSON.stringify({ verified: 5, rejected: 66, malformedHash: 27 }), "consistency outcomes (as the Swift tests)");
}

async function main() {
  const out = document.getElementById("out");
  try {
    const genesisText = await getText("/genesis/local-4.json");
    const genesis = await encodingVectors(genesisText);
    await badInput(genesisText);
    await sharedFileVectors();
    if (genesis) await syntheticChain(genesis);
    await ed25519Vectors();
    await merkleVectors();
  } catch (error) {
    results.errors.push(`test page: ${error?.stack ?? error}`);
  }
  results.done = true;
  const lines = [];
  for (const [name, s] of Object.entries(results.suites)) {
    lines.push(`${name}: ${s.skipped ? `skipped (${s.skipped})` : `${s.passed} passed, ${s.failures.length} failed`}`);
    for (const f of s.failures.slice(0, 20)) lines.push(`  FAIL ${f}`);
    for (const n of s.notes) lines.push(`  note ${n}`);
  }
  for (const e of results.errors) lines.push(`ERROR ${e}`);
  out.textContent = lines.join("\n");
}

main();
