/// The version of Settle's canonical encoding and ledger rules. Every
/// versioned structure (genesis, transaction body, result) carries it, and a
/// node or `settle audit` refuses a genesis or store of another version with
/// an error that says so. Before 1.0 no stored network is migrated: a new
/// version means a new genesis (docs/encoding.md, "Versions").
///
/// - 1: the first milestone.
/// - 2: payment methods are registered names; processor-reported fees,
///   mandates, disputes, payouts, processor FX and splits.
/// - 3: a transaction carries 1–16 signatures, each beside its key; an
///   account's key rotates while its id stays; administration needs a
///   threshold of administrators (docs/governance.md §1–4).
public enum ProtocolVersion {
    public static let current: UInt8 = 3
}
