import ArgumentParser
import Foundation
import SettleAPI
import SettleClient

extension GovCommand {
    /// Who validates now, who will, and what is proposed: what an operator
    /// checks before approving a change and after it switches.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the validator set in force, a scheduled switch and the proposals with their approvals.")
        @OptionGroup var node: NodeOptions
        @Option(help: "The height whose set to show (default: the next height to commit; at most two past the last committed block).") var height: UInt64?

        func run() async throws {
            let client = try node.client()
            let view = try await client.validators(at: height)
            if node.json { return try printJSON(view) }
            print("validators in force at height \(view.height) (since height \(view.from)): \(view.validators.count), total power \(view.totalPower), set \(view.hash)")
            Self.printSet(view.validators, total: view.totalPower)
            if let next = view.switches.first(where: { $0.height > view.height }) {
                let scheduled = try await client.validators(at: next.height)
                print("\nscheduled switch at height \(next.height): \(next.count) validators, total power \(next.totalPower), set \(next.hash)")
                Self.printSet(scheduled.validators, total: scheduled.totalPower)
            }
            if !view.observers.isEmpty {
                print("\nobservers (non-voting; they follow the chain and serve reads): \(view.observers.count)")
                printTable(["name", "key"], view.observers.map { [$0.name, $0.publicKey] })
            }
            let past = view.switches.filter { $0.height <= view.height }
            if !past.isEmpty {
                print("\nswitches so far (the genesis set before the first)")
                printTable(["height", "validators", "total power", "set"], past.map { ["\($0.height)", "\($0.count)", "\($0.totalPower)", $0.hash] })
            }
            guard !view.proposals.isEmpty else { return print("\nno validator set change has been proposed") }
            let names = Dictionary(view.validators.map { ($0.publicKey, $0.name) }, uniquingKeysWith: { first, _ in first })
            print("\nproposals (oldest expiry first)")
            for proposal in view.proposals {
                print("proposal \(proposal.id)")
                print("  status    \(proposal.standing)")
                print("  proposer  \(names[proposal.proposer].map { "\($0) (\(proposal.proposer))" } ?? proposal.proposer)")
                for (index, change) in proposal.changes.enumerated() { print((index == 0 ? "  changes   " : "            ") + change.text(names: names)) }
                let flags = [proposal.allowFewerThanFour ? "--allow-fewer-than-four" : nil, proposal.allowLargeShift ? "--allow-large-shift" : nil].compactMap { $0 }
                if !flags.isEmpty { print("  allowed   " + flags.joined(separator: ", ")) }
                if proposal.status == .pending { print("  approve   settle gov approve \(proposal.id) --key VALIDATOR_KEY") }
            }
        }

        static func printSet(_ validators: [Wire.Validators.Member], total: UInt64) {
            printTable(
                ["name", "key", "power", "share"],
                validators.map { [$0.name, $0.publicKey, "\($0.power)", String(format: "%.2f %%", Double($0.power) * 100 / Double(max(total, 1)))] })
        }
    }
}

extension Wire.Validators.Proposal {
    /// Where it stands, in a line: what it collected and needs, or how it ended.
    var standing: String {
        switch status {
        case .pending:
            "pending: \(approvals.count) approval(s) holding \(approvedPower) of \(totalPower) power, \(quorumPower) decides; expires \(formatTime(expiresAt))"
        case .decided: "decided: its set is in force from height \(effectiveAt.map(String.init) ?? "?")"
        case .expired: "expired at \(formatTime(expiresAt)) with \(approvedPower) of the \(quorumPower) power needed; propose it again if it is still wanted"
        }
    }
}

extension Wire.Validators.Change {
    /// The step in words, naming the validators `names` knows by key.
    func text(names: [String: String]) -> String {
        let who = names[publicKey].map { "\($0) (\(publicKey))" } ?? publicKey
        return switch kind {
        case "add": "add \(name ?? "?") (\(publicKey)) with power \(power ?? 0)"
        case "remove": "remove \(who)"
        case "set-power": "set the power of \(who) to \(power ?? 0)"
        case "rotate": "rotate \(who) to key \(newKey ?? "?")"
        case "add-observer": "add observer \(name ?? "?") (\(publicKey))"
        case "remove-observer": "remove observer \(who)"
        default: "\(kind) \(who)"
        }
    }
}
