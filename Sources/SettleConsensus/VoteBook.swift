import SettleCrypto
import SettleLedger

/// The votes of one height, by round and step, with their voting power.
///
/// A validator counts once toward "votes for anything" (its first vote), and
/// toward each value it signed: an equivocating validator's second vote is
/// evidence, and still counts for its own value. That is safe — two quorums
/// for different values would need an honest validator to have signed both —
/// and it lets everyone recognise a quorum whichever of the two votes they saw
/// first (Tendermint's per-block vote sets).
struct VoteBook: Sendable {
    struct Tally: Sendable {
        var votes: [PublicKey: SignedVote] = [:]
        var byValue: [Hash256?: [PublicKey: SignedVote]] = [:]
        var power: UInt64 = 0
        var powerFor: [Hash256?: UInt64] = [:]
    }

    let power: [PublicKey: UInt64]
    let total: UInt64
    private var tallies: [RoundStep: Tally] = [:]
    /// Power of the validators seen with any message in a round, for round skipping.
    private var seenInRound: [UInt32: Set<PublicKey>] = [:]

    struct RoundStep: Hashable, Sendable {
        var round: UInt32
        var step: VoteStep
    }

    init(validators: [Validator]) {
        var power: [PublicKey: UInt64] = [:]
        for v in validators { power[v.publicKey] = v.power }
        self.power = power
        total = validators.reduce(0) { $0 + $1.power }
    }

    /// More than two thirds of the power.
    func isQuorum(_ power: UInt64) -> Bool { power * 3 > total * 2 }
    /// More than one third: at least one honest validator among them.
    func isOneHonest(_ power: UInt64) -> Bool { power * 3 > total }

    enum Added { case new, duplicate, equivocation(SignedVote) }

    /// Records a vote whose signature and validator the caller checked.
    mutating func add(_ signed: SignedVote) -> Added {
        let vote = signed.vote
        let key = RoundStep(round: vote.round, step: vote.step)
        var tally = tallies[key] ?? Tally()
        guard tally.byValue[vote.blockHash]?[vote.validator] == nil else { return .duplicate }
        let weight = power[vote.validator] ?? 0
        let first = tally.votes[vote.validator]
        tally.byValue[vote.blockHash, default: [:]][vote.validator] = signed
        tally.powerFor[vote.blockHash, default: 0] += weight
        if first == nil {
            tally.votes[vote.validator] = signed
            tally.power += weight
        }
        tallies[key] = tally
        seenInRound[vote.round, default: []].insert(vote.validator)
        return first.map { .equivocation($0) } ?? .new
    }

    mutating func saw(_ validator: PublicKey, inRound round: UInt32) { seenInRound[round, default: []].insert(validator) }

    func tally(_ round: UInt32, _ step: VoteStep) -> Tally { tallies[RoundStep(round: round, step: step)] ?? Tally() }

    /// Power of the validators heard from in `round`.
    func powerSeen(inRound round: UInt32) -> UInt64 { (seenInRound[round] ?? []).reduce(0) { $0 + (power[$1] ?? 0) } }

    /// Rounds above `round` in which validators were heard from, ascending.
    func roundsAbove(_ round: UInt32) -> [UInt32] { seenInRound.keys.filter { $0 > round }.sorted() }
}
