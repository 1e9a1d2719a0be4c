public import SettleCrypto
public import SettleEncoding

/// The definitive outcome of a transaction included in a block. The numeric
/// values are part of the encoding and never change meaning.
public enum ResultCode: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    case applied = 0
    case unknownSigner = 1
    case signerFrozen = 2
    case unauthorized = 3
    case unknownAccount = 4
    case accountFrozen = 5
    case unknownAsset = 6
    case insufficientFunds = 7
    case duplicateExternalReference = 8
    case holdNotFound = 9
    case holdNotOpen = 10
    case overCapture = 11
    case paymentNotFound = 12
    case overRefund = 13
    case quoteExpired = 14
    case invalidQuoteSignature = 15
    case unknownFxProvider = 16
    case feeExceedsAmount = 17
    case arithmeticOverflow = 18
    case accountExists = 19
    case assetExists = 20
    case invalidHoldExpiry = 21
    case conversionTooSmall = 22
    case invalidFeeAccount = 23
    case quoteNotForSigner = 24
    case quoteAmountExceeded = 25
    case quoteAlreadyUsed = 26
    case unknownMethod = 27
    case methodExists = 28
    case noMandate = 29
    case notAProcessor = 30
    case feeAssetMismatch = 31
    case feeNotReportable = 32
    case invalidProcessorFx = 33
    case splitTotalMismatch = 34
    case unknownLeg = 35
    case overDispute = 36
    case disputeNotFound = 37
    case disputeNotOpen = 38
    case overFeeReturn = 39
    case payoutNotFound = 40
    case payoutAlreadyReversed = 41
    case retiredKey = 42
    case wrongKey = 43
    case notEnoughApprovals = 44
    case administrationLocked = 45
    case keyInUse = 46
    case notAValidator = 47
    case alreadyApproved = 48
    case proposalExpired = 49
    case proposalStale = 50
    case unknownProposal = 51
    case unsafeValidatorChange = 52
    case changePending = 53

    /// Stable snake_case name for APIs.
    public var name: String {
        switch self {
        case .applied: "applied"
        case .unknownSigner: "unknown_signer"
        case .signerFrozen: "signer_frozen"
        case .unauthorized: "unauthorized"
        case .unknownAccount: "unknown_account"
        case .accountFrozen: "account_frozen"
        case .unknownAsset: "unknown_asset"
        case .insufficientFunds: "insufficient_funds"
        case .duplicateExternalReference: "duplicate_external_reference"
        case .holdNotFound: "hold_not_found"
        case .holdNotOpen: "hold_not_open"
        case .overCapture: "over_capture"
        case .paymentNotFound: "payment_not_found"
        case .overRefund: "over_refund"
        case .quoteExpired: "quote_expired"
        case .invalidQuoteSignature: "invalid_quote_signature"
        case .unknownFxProvider: "unknown_fx_provider"
        case .feeExceedsAmount: "fee_exceeds_amount"
        case .arithmeticOverflow: "arithmetic_overflow"
        case .accountExists: "account_exists"
        case .assetExists: "asset_exists"
        case .invalidHoldExpiry: "invalid_hold_expiry"
        case .conversionTooSmall: "conversion_too_small"
        case .invalidFeeAccount: "invalid_fee_account"
        case .quoteNotForSigner: "quote_not_for_signer"
        case .quoteAmountExceeded: "quote_amount_exceeded"
        case .quoteAlreadyUsed: "quote_already_used"
        case .unknownMethod: "unknown_method"
        case .methodExists: "method_exists"
        case .noMandate: "no_mandate"
        case .notAProcessor: "not_a_processor"
        case .feeAssetMismatch: "fee_asset_mismatch"
        case .feeNotReportable: "fee_not_reportable"
        case .invalidProcessorFx: "invalid_processor_fx"
        case .splitTotalMismatch: "split_total_mismatch"
        case .unknownLeg: "unknown_leg"
        case .overDispute: "over_dispute"
        case .disputeNotFound: "dispute_not_found"
        case .disputeNotOpen: "dispute_not_open"
        case .overFeeReturn: "over_fee_return"
        case .payoutNotFound: "payout_not_found"
        case .payoutAlreadyReversed: "payout_already_reversed"
        case .retiredKey: "retired_key"
        case .wrongKey: "wrong_key"
        case .notEnoughApprovals: "not_enough_approvals"
        case .administrationLocked: "administration_locked"
        case .keyInUse: "key_in_use"
        case .notAValidator: "not_a_validator"
        case .alreadyApproved: "already_approved"
        case .proposalExpired: "proposal_expired"
        case .proposalStale: "proposal_stale"
        case .unknownProposal: "unknown_proposal"
        case .unsafeValidatorChange: "unsafe_validator_change"
        case .changePending: "change_pending"
        }
    }

    public var description: String { name }
}

/// What happened to one transaction: its code, the fee charged, the fee the
/// schedule gives for it (the contracted fee: equal to the charged fee unless
/// the processor reported what it actually charged), the amount credited to
/// the counterparty (the payee, or the converted amount), and for a duplicate
/// the id of the first transaction with that external reference.
public struct TransactionResult: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = ProtocolVersion.current

    public var code: ResultCode
    public var fee: Amount
    public var contractedFee: Amount
    public var credited: Amount
    public var related: Hash256?

    public init(code: ResultCode, fee: Amount = .zero, contractedFee: Amount? = nil, credited: Amount = .zero, related: Hash256? = nil) {
        self.code = code
        self.fee = fee
        self.contractedFee = contractedFee ?? fee
        self.credited = credited
        self.related = related
    }

    public static func failed(_ code: ResultCode, related: Hash256? = nil) -> TransactionResult {
        TransactionResult(code: code, related: related)
    }

    public var isApplied: Bool { code == .applied }

    public func encode(to w: inout CanonicalWriter) {
        w.u8(TransactionResult.version)
        w.u16(code.rawValue)
        w.amount(fee)
        w.amount(contractedFee)
        w.amount(credited)
        w.option(related) { $0.hash($1) }
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        try r.version("TransactionResult", supported: TransactionResult.version)
        let start = r.offset
        let raw = try r.u16("result.code")
        guard let code = ResultCode(rawValue: raw) else { throw .unknownTag(field: "result.code", offset: start, tag: UInt64(raw)) }
        self.code = code
        fee = try r.amount("result.fee")
        contractedFee = try r.amount("result.contractedFee")
        credited = try r.amount("result.credited")
        related = try r.option("result.related") { r throws(DecodingError) in try r.hash("result.related") }
    }
}

/// One leaf of the global transaction log: which transaction, in which block,
/// with which result. Its RFC 9162 leaf hash is what inclusion proofs prove.
public struct LogEntry: Hashable, Sendable, CanonicalCodable {
    public static let version: UInt8 = 1

    public var transactionId: Hash256
    public var height: UInt64
    public var result: TransactionResult

    public init(transactionId: Hash256, height: UInt64, result: TransactionResult) {
        self.transactionId = transactionId
        self.height = height
        self.result = result
    }

    public var leafHash: Hash256 { MerkleHash.leaf(canonicalBytes) }

    public func encode(to w: inout CanonicalWriter) {
        w.u8(LogEntry.version)
        w.hash(transactionId)
        w.u64(height)
        w.value(result)
    }

    public init(from r: inout CanonicalReader) throws(DecodingError) {
        try r.version("LogEntry", supported: LogEntry.version)
        transactionId = try r.hash("log.transactionId")
        height = try r.u64("log.height")
        result = try r.value(TransactionResult.self)
    }
}
