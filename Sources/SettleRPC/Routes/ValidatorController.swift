import Hummingbird
import SettleAPI
import SettleNode

/// Who validates: the set in force at a height, the switches decided and
/// the proposals made (docs/governance.md §5). Answered from the engine's
/// state, copied out in one turn; the body is built off the engine.
struct ValidatorController {
    let queries: NodeQueries

    func addRoutes(to routes: RPCRoutes) {
        routes.add(.validators) { request, _ in
            let asked = try request.uri.queryParameters.get("height").map { try RequestValues.height($0) }
            let view = await queries.validatorGovernance()
            let height = asked ?? view.committedHeight + 1
            // A well-formed height whose set is not known yet: not found (yet), as a block beyond the tip is.
            guard let (from, validators) = view.validators(at: height) else {
                throw RPCError(
                    .notFound,
                    "the validator set is known up to height \(view.knownThrough), two past the last committed block (\(view.committedHeight)): a change decided in a block is in force two heights later, so the set at \(height) may still change; ask again once block \(height - 2) is committed"
                )
            }
            return try RPCServer.json(Wire.Validators(view, height: height, from: from, validators: validators))
        }
    }
}
