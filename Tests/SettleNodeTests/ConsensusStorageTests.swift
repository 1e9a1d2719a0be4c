import Foundation
import SettleConsensus
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleValidator
import Testing

@testable import SettleNode

/// What a validator keeps on disk for consensus: the signer record and the WAL.
@Suite struct ConsensusStorageTests {
    let genesis = DevelopmentNetwork.genesis()

    func temporaryPath(_ name: String) throws -> (URL, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-consensus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (dir, dir.appendingPathComponent(name).path)
    }

    /// A proposal with a real block and proof of lock, votes and a timeout.
    func sampleEvents() -> [ConsensusEvent] {
        var state = LedgerState(genesis: genesis)
        let proposer = DevelopmentNetwork.key("validator-1")
        let block = state.buildBlock(candidates: [], timestamp: genesis.genesisTime + 1, proposer: proposer.publicKey).block
        let votes = (0..<3).map { i in
            Vote(chainId: genesis.chainId, height: 1, round: 0, step: .prevote, blockHash: block.header.hash, validator: DevelopmentNetwork.key("validator-\(i)").publicKey).signed(
                with: DevelopmentNetwork.key("validator-\(i)"))
        }
        let proposal = Proposal(chainId: genesis.chainId, height: 1, round: 1, polRound: 0, blockHash: block.header.hash, proposer: proposer.publicKey)
        let signed = SignedProposal(proposal: proposal, signature: proposer.sign(proposal.signingMessage), block: block, justification: votes)
        return [.proposal(signed), .vote(votes[0]), .timeout(Timeout(kind: .prevote, height: 1, round: 1)), .vote(votes[2])]
    }

    @Test func eventsAndEvidenceRoundTripCanonically() throws {
        for event in sampleEvents() { #expect(try ConsensusEvent.decode(event.canonicalBytes) == event) }
        let votes = sampleEvents().compactMap { if case .vote(let v) = $0 { v } else { nil } }
        var other = votes[0].vote
        other.blockHash = nil
        let evidence = Equivocation(first: votes[0], second: other.signed(with: DevelopmentNetwork.key("validator-0")))
        #expect(evidence.isValid)
        #expect(try Equivocation.decode(evidence.canonicalBytes) == evidence)
        #expect(!Equivocation(first: votes[0], second: votes[1]).isValid)
    }

    /// The cut at a decision is not synced: a crash may bring back records of
    /// the decided height behind (or over) the new height's, and a restarted
    /// core replays only the records of its own height.
    @Test func aCutThatDidNotReachTheDiskReplaysNothingOfTheDecidedHeight() throws {
        let (dir, path) = try temporaryPath("consensus.wal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wal = try ConsensusWAL(path: path)
        for event in sampleEvents() { try wal.append(event, height: 1, durably: false) }
        let decided = try Data(contentsOf: URL(fileURLWithPath: path))
        try wal.reset()
        let next = ConsensusEvent.timeout(Timeout(kind: .propose, height: 2, round: 0))
        try wal.append(next, height: 2, durably: true)
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        // The new records over the old file (the cut lost), or the old records after them.
        for file in [written + decided.dropFirst(written.count), written + decided] {
            try file.write(to: URL(fileURLWithPath: path))
            #expect(try ConsensusWAL(path: path).events(at: 2) == [next])
        }
    }

    @Test func walKeepsEveryRecordAndCutsATornOrDamagedTail() throws {
        let (dir, path) = try temporaryPath("consensus.wal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let events = sampleEvents()
        do {
            let wal = try ConsensusWAL(path: path)
            for event in events { try wal.append(event, height: 1, durably: true) }
            try wal.append(.timeout(Timeout(kind: .propose, height: 2, round: 0)), height: 2, durably: true)
        }
        var wal = try ConsensusWAL(path: path)
        #expect(wal.events(at: 1) == events && wal.events(at: 2).count == 1 && wal.truncatedBytes == 0)
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        // A crash mid-append: every cut inside the last record loses only that record.
        for cut in [1, 5, 20] {
            try full.prefix(full.count - cut).write(to: URL(fileURLWithPath: path))
            wal = try ConsensusWAL(path: path)
            #expect(wal.events(at: 1) == events && wal.events(at: 2).isEmpty && wal.truncatedBytes > 0)
            // Appending after the cut continues a well-formed log.
            try wal.append(.timeout(Timeout(kind: .precommit, height: 2, round: 3)), height: 2, durably: true)
            #expect(try ConsensusWAL(path: path).recovered.count == events.count + 1)
        }
        // A damaged byte in the last record drops it, not the records before it.
        var damaged = full
        damaged[damaged.count - 3] ^= 0xff
        try damaged.write(to: URL(fileURLWithPath: path))
        #expect(try ConsensusWAL(path: path).recovered.count == events.count)
        // Cut at each decision: the log stays bounded by one height.
        wal = try ConsensusWAL(path: path)
        try wal.reset()
        #expect(try ConsensusWAL(path: path).recovered.isEmpty)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue == 0)
    }

    /// A failed append (disk full part-way through a record) must not leave a
    /// torn record in the middle of the log: the records appended after it, each
    /// synced and acted on, would be dropped at the next open.
    @Test func aFailedAppendLeavesNoTornRecordBehindLaterOnes() throws {
        let (dir, path) = try temporaryPath("consensus.wal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let events = sampleEvents()
        do {
            let wal = try ConsensusWAL(path: path)
            try wal.append(events[0], height: 1, durably: true)
            for partial in [0, 6, 40] {
                wal.failNextAppendAfterBytesForTesting = partial
                #expect(throws: ConsensusWAL.Failure.self) { try wal.append(events[1], height: 1, durably: true) }
            }
            for event in events.dropFirst(2) { try wal.append(event, height: 1, durably: true) }
        }
        let reopened = try ConsensusWAL(path: path)
        #expect(reopened.truncatedBytes == 0)
        #expect(reopened.events(at: 1) == [events[0]] + events.dropFirst(2))
    }

    @Test func signerRecordIsSavedDurablyAndDamageIsRefused() throws {
        let (dir, path) = try temporaryPath("signer.record")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = SignerRecordFile(path: path)
        #expect(try file.load() == nil)
        let record = SignerRecord(height: 9, round: 2, step: .precommit, blockHash: Hash256.sha256([9]), signature: DevelopmentNetwork.key("validator-0").sign([1]))
        try file.save(record)
        #expect(try SignerRecordFile(path: path).load() == record)
        let later = SignerRecord(height: 10, round: 0, step: .prevote, blockHash: nil)
        try file.save(later)
        #expect(try SignerRecordFile(path: path).load() == later)
        let saved = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(saved.count == 2 * SignerRecordCopies.copyBytes)
        func load(_ bytes: Data) throws -> SignerRecord? {
            try bytes.write(to: URL(fileURLWithPath: path))
            return try SignerRecordFile(path: path).load()
        }
        // Either copy damaged (a torn write, or damage since): the other one holds the record.
        var first = saved
        first[20] ^= 1
        #expect(try load(first) == later)
        var second = saved
        second[SignerRecordCopies.copyBytes + 20] ^= 1
        #expect(try load(second) == later)
        // A crash between the two writes: the first copy is new, the second old; the new one counts.
        #expect(try load(saved) == later)
        let reopened = SignerRecordFile(path: path)
        _ = try reopened.load()
        let newest = SignerRecord(height: 10, round: 1, step: .prevote, blockHash: nil)
        try reopened.save(newest)
        let both = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(try load(both.prefix(SignerRecordCopies.copyBytes) + saved.suffix(SignerRecordCopies.copyBytes)) == newest)
        // Both copies damaged: refused, never trusted or ignored.
        var ruined = saved
        ruined[20] ^= 1
        ruined[SignerRecordCopies.copyBytes + 20] ^= 1
        #expect(throws: SignerRecordFile.Failure.self) { try load(ruined) }
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
    }

    /// A record saved by an earlier settle (one copy and its hash, replaced
    /// atomically) is read, and the next save writes both copies.
    @Test func aSignerRecordOfTheEarlierLayoutIsReadAndRewritten() throws {
        let (dir, path) = try temporaryPath("signer.record")
        defer { try? FileManager.default.removeItem(at: dir) }
        let record = SignerRecord(height: 4, round: 1, step: .prevote, blockHash: Hash256.sha256([4]), signature: DevelopmentNetwork.key("validator-0").sign([4]))
        try Data(record.canonicalBytes + Hash256.sha256(record.canonicalBytes).bytes).write(to: URL(fileURLWithPath: path))
        let file = SignerRecordFile(path: path)
        #expect(try file.load() == record)
        let next = SignerRecord(height: 4, round: 1, step: .precommit, blockHash: Hash256.sha256([4]), signature: DevelopmentNetwork.key("validator-0").sign([5]))
        try file.save(next)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 2 * SignerRecordCopies.copyBytes)
        #expect(try SignerRecordFile(path: path).load() == next)
        var damaged = Data(record.canonicalBytes + Hash256.sha256(record.canonicalBytes).bytes)
        damaged[3] ^= 1
        try damaged.write(to: URL(fileURLWithPath: path))
        #expect(throws: SignerRecordFile.Failure.self) { try SignerRecordFile(path: path).load() }
    }
}
