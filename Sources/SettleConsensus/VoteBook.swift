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
///
/// Bounded against a byzantine validator: per (round, step) it keeps at most two
/// values of one validator (the first and one conflicting, which is all the
/// evidence needs), and the core keeps at most one round ahead of its own per
/// validator (`drop(_:inRound:)`).
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
    /// The validators seen with any message in a round, and their power, for round skipping.
    private var seenInRound: [UInt32: (validators: Set<PublicKey>, power: UInt64)] = [:]

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

    enum Added {
        case new, duplicate
        case equivocation(SignedVote)
        case ignored
    }

    /// Records a vote whose signature and validator the caller checked.
    mutating func add(_ signed: SignedVote) -> Added {
        let vote = signed.vote
        let key = RoundStep(round: vote.round, step: vote.step)
        var tally = tallies[key] ?? Tally()
        guard tally.byValue[vote.blockHash]?[vote.validator] == nil else { return .duplicate }
        let first = tally.votes[vote.validator]
        if let first, first.vote.blockHash != vote.blockHash,
            tally.byValue.contains(where: { $0.key != first.vote.blockHash && $0.value[vote.validator] != nil })
        {
            return .ignored  // a third value: the evidence is already in hand
        }
        let weight = power[vote.validator] ?? 0
        tally.byValue[vote.blockHash, default: [:]][vote.validator] = signed
        tally.powerFor[vote.blockHash, default: 0] += weight
        if first == nil {
            tally.votes[vote.validator] = signed
            tally.power += weight
        }
        tallies[key] = tally
        saw(vote.validator, inRound: vote.round)
        return first.map { .equivocation($0) } ?? .new
    }

    mutating func saw(_ validator: PublicKey, inRound round: UInt32) {
        var seen = seenInRound[round] ?? ([], 0)
        if seen.validators.insert(validator).inserted {
            seen.power += power[validator] ?? 0
            seenInRound[round] = seen
        }
    }

    /// Forgets everything `validator` sent in `round` (its votes and that it was
    /// seen there): used for a round far ahead that a newer one replaces.
    mutating func drop(_ validator: PublicKey, inRound round: UInt32) {
        for step in [VoteStep.prevote, .precommit] {
            let key = RoundStep(round: round, step: step)
            guard var tally = tallies[key], tally.votes[validator] != nil else { continue }
            let weight = power[validator] ?? 0
            tally.votes[validator] = nil
            tally.power -= weight
            for (value, var voters) in tally.byValue where voters[validator] != nil {
                voters[validator] = nil
                tally.byValue[value] = voters.isEmpty ? nil : voters
                tally.powerFor[value] = voters.isEmpty ? nil : tally.powerFor[value]! - weight
            }
            tallies[key] = tally
        }
        if var seen = seenInRound[round], seen.validators.remove(validator) != nil {
            seen.power -= power[validator] ?? 0
            seenInRound[round] = seen.validators.isEmpty ? nil : seen
        }
    }

    func tally(_ round: UInt32, _ step: VoteStep) -> Tally { tallies[RoundStep(round: round, step: step)] ?? Tally() }

    /// Every vote held for `round`, prevotes first, in a stable order.
    func votes(inRound round: UInt32) -> [SignedVote] {
        [VoteStep.prevote, .precommit].flatMap { step in
            tally(round, step).byValue.values.flatMap(\.values).sorted { ($0.vote.validator, $0.signature.r) < ($1.vote.validator, $1.signature.r) }
        }
    }

    /// Power of the validators heard from in `round`.
    func powerSeen(inRound round: UInt32) -> UInt64 { seenInRound[round]?.power ?? 0 }

    /// Rounds above `round` in which validators were heard from, ascending.
    func roundsAbove(_ round: UInt32) -> [UInt32] { seenInRound.keys.filter { $0 > round }.sorted() }
}
