/// Why a walk through validator set changes does not reach a header's set.
public struct ValidatorSetWalkError: Error, Hashable, Sendable {
    /// The failing step, from 0; nil when the steps hold but end at a set other than the header's.
    public var index: Int?
    public var reason: String
}

extension ValidatorSetStep {
    /// Walks from the genesis set through `steps` towards a header at
    /// `height`: each step's header (the block before a switch) is certified
    /// by the set held so far, states it, and names the step's set as the
    /// next; the set reached is returned. What receipts and state snapshots
    /// carry so that a verifier holding only the genesis can check a
    /// certificate far from it (docs/governance.md §7).
    public static func setInForce(genesis: Genesis, steps: [ValidatorSetStep], before height: UInt64) throws(ValidatorSetWalkError) -> [Validator] {
        var set = genesis.validators
        var previous: UInt64 = 0
        for (index, step) in steps.enumerated() {
            let stepHeader = step.header
            guard stepHeader.chainId == genesis.chainId else { throw ValidatorSetWalkError(index: index, reason: "its header is for another chain") }
            guard stepHeader.height > previous, stepHeader.height < height else {
                throw ValidatorSetWalkError(
                    index: index, reason: "its header (height \(stepHeader.height)) is not after the previous step's and before the header at height \(height)")
            }
            guard stepHeader.validatorsHash == ValidatorSet.hash(set) else { throw ValidatorSetWalkError(index: index, reason: "its header does not state the set in force before it") }
            guard step.commit.height == stepHeader.height, step.commit.blockHash == stepHeader.hash else {
                throw ValidatorSetWalkError(index: index, reason: "its certificate is for another block")
            }
            do throws(CommitError) { try step.commit.verify(chainId: genesis.chainId, validators: set) } catch {
                throw ValidatorSetWalkError(index: index, reason: "its header is not certified by the set in force: \(error.description)")
            }
            guard !step.validators.isEmpty, stepHeader.nextValidatorsHash == ValidatorSet.hash(step.validators), stepHeader.nextValidatorsHash != stepHeader.validatorsHash else {
                throw ValidatorSetWalkError(index: index, reason: "its header does not name this new set as the next")
            }
            set = step.validators
            previous = stepHeader.height
        }
        return set
    }
}
