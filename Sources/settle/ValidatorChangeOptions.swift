import ArgumentParser
import SettleCrypto
import SettleLedger

/// The steps of a validator set change as written on the command line
/// (`settle gov propose`), and the rules they are proposed under.
struct ValidatorChangeOptions: ParsableArguments {
    @Option(
        name: .customLong("add"),
        help: ArgumentHelp("A validator joins: its name, its consensus key (64 hex characters: settle keys show ITS_VALIDATOR_KEY) and its voting power.", valueName: "name:key:power"))
    var additions: [String] = []
    @Option(name: .customLong("remove"), help: ArgumentHelp("A validator leaves, by its consensus key (hex; settle gov status lists them).", valueName: "key"))
    var removals: [String] = []
    @Option(name: .customLong("set-power"), help: ArgumentHelp("A validator votes with another power from the switch on.", valueName: "key:power"))
    var powers: [String] = []
    @Option(
        name: .customLong("rotate"),
        help: ArgumentHelp("A validator signs with a new consensus key from the switch on, keeping its name, power and place; the old key retires.", valueName: "old-key:new-key"))
    var rotations: [String] = []
    @Option(
        name: .customLong("add-observer"),
        help: ArgumentHelp("A non-voting observer joins: its name and its node key (64 hex characters). It may connect as soon as the change is decided.", valueName: "name:key"))
    var observerAdditions: [String] = []
    @Option(name: .customLong("remove-observer"), help: ArgumentHelp("An observer leaves, by its node key (hex; settle gov status lists them).", valueName: "key"))
    var observerRemovals: [String] = []
    @Flag(help: "Allow a set of fewer than 4 validators (below 4, one fault stops the chain).") var allowFewerThanFour = false
    @Flag(help: "Allow moving more than a third of the voting power in one step.") var allowLargeShift = false
    @Option(
        help: ArgumentHelp(
            "How long validators have to approve, e.g. 90s, 30m, 1h, 2d (a bare number is seconds). Until it is decided or expires, no other change can be proposed.",
            valueName: "duration"))
    var expiresIn = "1d"

    func validate() throws {
        _ = try changes()
        _ = try expiry()
    }

    /// The steps in the order the ledger applies them: removals, power
    /// changes, rotations, additions, then observers leaving and joining
    /// (an observer promoted to validator is removed as an observer and
    /// added as a validator in one change). Removals first free their keys;
    /// power changes name a validator by the key it has before any rotation;
    /// added validators come last in the set whatever the order.
    func changes() throws(ValidationError) -> [ValidatorChange] {
        var changes: [ValidatorChange] = []
        for text in removals { changes.append(.remove(key: try Self.key(text, in: "--remove \(text)"))) }
        for text in powers {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw ValidationError("--set-power \(text): write KEY:POWER, e.g. --set-power 3b6a…e1:2") }
            changes.append(.setPower(key: try Self.key(parts[0], in: "--set-power \(text)"), power: try Self.power(parts[1], in: "--set-power \(text)")))
        }
        for text in rotations {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw ValidationError("--rotate \(text): write OLD_KEY:NEW_KEY, both 64 hex characters") }
            changes.append(.rotate(key: try Self.key(parts[0], in: "--rotate \(text)"), newKey: try Self.key(parts[1], in: "--rotate \(text)")))
        }
        for text in additions {
            // The name may itself hold colons: the key and power are the last two parts.
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            let name = parts.dropLast(2).joined(separator: ":")
            guard parts.count >= 3, !name.isEmpty else { throw ValidationError("--add \(text): write NAME:KEY:POWER, e.g. --add validator-4:3b6a…e1:1") }
            changes.append(.add(name: name, key: try Self.key(parts[parts.count - 2], in: "--add \(text)"), power: try Self.power(parts[parts.count - 1], in: "--add \(text)")))
        }
        for text in observerRemovals { changes.append(.removeObserver(key: try Self.key(text, in: "--remove-observer \(text)"))) }
        for text in observerAdditions {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            let name = parts.dropLast().joined(separator: ":")
            guard parts.count >= 2, !name.isEmpty else { throw ValidationError("--add-observer \(text): write NAME:KEY, e.g. --add-observer reader-1:3b6a…e1") }
            changes.append(.addObserver(name: name, key: try Self.key(parts[parts.count - 1], in: "--add-observer \(text)")))
        }
        guard !changes.isEmpty else { throw ValidationError("give at least one --add, --remove, --set-power, --rotate, --add-observer or --remove-observer") }
        guard changes.count <= ValidatorChange.maxPerProposal else {
            throw ValidationError("a proposal holds at most \(ValidatorChange.maxPerProposal) steps; this has \(changes.count): propose the rest once it is decided")
        }
        return changes
    }

    /// `--expires-in` in seconds.
    func expiry() throws(ValidationError) -> UInt64 {
        let units: [Character: UInt64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        let unit = expiresIn.last.flatMap { units[$0] }
        let digits = unit == nil ? Substring(expiresIn) : expiresIn.dropLast()
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigitCharacter), let count = UInt64(digits), count > 0,
            count <= SubmitOptions.maxSeconds / (unit ?? 1)
        else { throw ValidationError("--expires-in \(expiresIn): write a positive duration such as 90s, 30m, 1h or 2d, at most \(SubmitOptions.maxSeconds / 86_400)d") }
        return count * (unit ?? 1)
    }

    private static func key(_ text: some StringProtocol, in option: String) throws(ValidationError) -> PublicKey {
        guard let key = PublicKey(hex: String(text)) else { throw ValidationError("\(option): \"\(text)\" is not a consensus key (64 hex characters)") }
        return key
    }

    private static func power(_ text: some StringProtocol, in option: String) throws(ValidationError) -> UInt64 {
        guard text.allSatisfy(\.isASCIIDigitCharacter), let power = UInt64(text), power > 0 else {
            throw ValidationError("\(option): the power must be a whole number above 0, not \"\(text)\"")
        }
        return power
    }
}
