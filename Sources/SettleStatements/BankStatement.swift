/// The formats a bank statement arrives in.
public enum StatementFormat: String, Sendable, CaseIterable {
    /// ISO 20022 camt.053 (end-of-day statement), versions .001.02 – .001.13.
    case camt053
    /// ISO 20022 camt.054 (debit/credit notification): entries, no balances.
    case camt054
    /// SWIFT MT940 customer statement (several statements per file).
    case mt940
    /// BAI2 cash-management balance report.
    case bai2
}

/// One statement of an account, in any format: what the bank says it held
/// and what moved. Amounts are exact, in the statement's currency.
public struct BankStatement: Sendable, Equatable {
    public var format: StatementFormat
    /// The bank's id of this statement (camt `Stmt/Id`, MT940 `:20:` and
    /// `:28C:`, BAI2 file id, group date and account).
    public var id: String
    /// The account as the bank names it (IBAN, `:25:`, BAI2 account number).
    public var account: String
    /// ISO 4217 code.
    public var currency: String
    public var opening: StatementBalance?
    public var closing: StatementBalance?
    public var entries: [StatementEntry]
    /// The entries read but handed to a `StatementFile.stream` caller
    /// instead of kept in `entries`; none when the statement was parsed whole.
    public internal(set) var streamed = EntryTally()

    public init(format: StatementFormat, id: String, account: String, currency: String, opening: StatementBalance? = nil, closing: StatementBalance? = nil, entries: [StatementEntry] = []) {
        self.format = format
        self.id = id
        self.account = account
        self.currency = currency
        self.opening = opening
        self.closing = closing
        self.entries = entries
    }

    /// How many entries the statement has, kept in `entries` or streamed.
    public var entryCount: Int { entries.count + streamed.count }

    /// Whether opening + booked credits − booked debits = closing, exactly,
    /// counting the entries kept and those streamed alike; nil when the
    /// statement states no opening or no closing balance. A statement that
    /// fails is reported, and nothing of it is posted.
    public var balancesAddUp: Bool? {
        guard let opening, let closing else { return nil }
        var sum = streamed
        sum.add(opening.exact)
        for entry in entries { sum.add(entry) }
        return sum.bookedNet == closing.exact
    }
}

/// Entries counted rather than kept: how many, and the exact sum of the
/// booked ones, which is all `balancesAddUp` needs of a statement streamed
/// in constant memory.
public struct EntryTally: Sendable, Equatable {
    public internal(set) var count = 0
    /// Booked credits − booked debits at 18 decimals (`StatementAmount.exact`),
    /// nil once that overflowed: a sum beyond 10^20 units is no bank's, and
    /// does not add up rather than trap.
    var bookedNet: Int128? = 0

    mutating func add(_ entry: StatementEntry) {
        count += 1
        if entry.status == .booked { add(entry.direction == .credit ? entry.amount.exact : -entry.amount.exact) }
    }

    mutating func add(_ amount: Int128) {
        guard let sum = bookedNet else { return }
        let (result, overflow) = sum.addingReportingOverflow(amount)
        bookedNet = overflow ? nil : result
    }
}

/// One entry of a statement.
public struct StatementEntry: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        /// On the account: posted.
        case booked
        /// Announced, not booked: reported, never posted.
        case pending
        /// For information only.
        case information
    }

    /// Position in the statement, from 0: the entry's identity where the bank gives no reference.
    public var index: Int
    /// The bank's own id of the entry (camt `AcctSvcrRef`, MT940 bank reference after `//`, BAI2 bank reference).
    public var bankReference: String?
    /// The account owner's reference (MT940 customer reference, BAI2 customer reference, camt `NtryRef`).
    public var customerReference: String?
    public var amount: StatementAmount
    public var direction: Direction
    /// A return or reversal of an earlier entry (camt `RvslInd`, MT940 `RC`/`RD`).
    public var reversal: Bool
    public var status: Status
    /// YYYY-MM-DD.
    public var bookingDate: String?
    public var valueDate: String?
    /// The bank's transaction code (camt `BkTxCd` domain/family/sub-family or proprietary, MT940 `N…`, BAI2 type code).
    public var typeCode: String?
    /// The payer's end-to-end id, when the bank passes it on.
    public var endToEndID: String?
    /// Remittance information: what the payer wrote (camt `Ustrd`/`Strd`, MT940 `:86:`, BAI2 text).
    public var remittance: [String]
    /// The other party's name, when given.
    public var counterparty: String?
    /// The transactions of a batch-booked entry (camt `TxDtls`), when listed.
    public var details: [StatementEntry]

    public init(
        index: Int, bankReference: String? = nil, customerReference: String? = nil, amount: StatementAmount, direction: Direction, reversal: Bool = false,
        status: Status = .booked, bookingDate: String? = nil, valueDate: String? = nil, typeCode: String? = nil, endToEndID: String? = nil,
        remittance: [String] = [], counterparty: String? = nil, details: [StatementEntry] = []
    ) {
        self.index = index
        self.bankReference = bankReference
        self.customerReference = customerReference
        self.amount = amount
        self.direction = direction
        self.reversal = reversal
        self.status = status
        self.bookingDate = bookingDate
        self.valueDate = valueDate
        self.typeCode = typeCode
        self.endToEndID = endToEndID
        self.remittance = remittance
        self.counterparty = counterparty
        self.details = details
    }
}

/// Why a statement file cannot be read: where (line, and the element or
/// field) and why. Nothing of a file that fails is posted.
public struct StatementProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int?
    /// The element (camt), tag (MT940) or record and field (BAI2).
    public var field: String
    public var reason: String

    public init(line: Int?, field: String, reason: String) {
        self.line = line
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(line.map { "line \($0): " } ?? "")\(field): \(reason)" }
}
