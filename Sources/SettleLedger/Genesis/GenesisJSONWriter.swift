import SettleCrypto

/// Renders a genesis as the JSON `Genesis.parseJSON` reads, with explanatory
/// "//" comment members, keys in a fixed order and amounts in decimal form.
extension Genesis {
    public func jsonText(comments: Bool = true) -> String {
        func q(_ s: String) -> String {
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default:
                    if scalar.value < 0x20 {
                        out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out + "\""
        }
        func note(_ text: String, _ indent: String) -> String { comments ? "\(indent)\"//\": \(q(text)),\n" : "" }
        func amount(_ value: Amount, _ code: AssetCode) -> String {
            q(value.formatted(decimals: assets.first { $0.code == code }?.decimals ?? 0))
        }
        let time = RFC3339.format(milliseconds: genesisTime)
        var s = "{\n"
        s += note("Settle genesis. Unknown fields are errors; members named // are comments. Its hash is over the canonical binary form, so layout and comments do not change it.", "  ")
        s += note("protocolVersion: the encoding and ledger rules this genesis is for; a node of another version refuses it.", "  ")
        s += "  \"protocolVersion\": \(Genesis.version),\n"
        s += "  \"chainId\": \(q(chainId)),\n"
        s += "  \"genesisTime\": \(q(time)),\n"
        s += note("Validators order blocks; a commit needs signatures from more than 2/3 of the total power. Order matters: commit certificates have one slot per validator in this order.", "  ")
        s += "  \"validators\": [\n" + validators.map { "    {\"name\": \(q($0.name)), \"publicKey\": \(q($0.publicKey.hex)), \"power\": \($0.power)}" }.joined(separator: ",\n") + "\n  ],\n"
        s += note("Assets: amounts are integers of the minor unit; decimals says how many places it has.", "  ")
        s += "  \"assets\": [\n" + assets.map { "    {\"code\": \(q($0.code.value)), \"decimals\": \($0.decimals), \"name\": \(q($0.name))}" }.joined(separator: ",\n") + "\n  ],\n"
        s += note("Roles: customer and merchant never go negative; clearing (money at a processor or bank) and fx-provider may; fee collects fees; admin governs.", "  ")
        s += "  \"accounts\": [\n" + accounts.map { "    {\"label\": \(q($0.label)), \"publicKey\": \(q($0.id.hex)), \"role\": \(q($0.role.name))}" }.joined(separator: ",\n") + "\n  ],\n"
        s += note("Payment methods are names (a-z, 0-9, -); more are registered on the ledger with register-method.", "  ")
        s +=
            "  \"methods\": [\n"
            + methods.map { m in
                "    {\"name\": \(q(m.method.name))" + (m.label.map { ", \"label\": \(q($0))" } ?? "") + "}"
            }.joined(separator: ",\n") + "\n  ],\n"
        s += note("Fee per (method, asset): fixed + basisPoints of the amount (rounded half up), raised to minimum / lowered to maximum, paid by the bearer to feeAccount.", "  ")
        s +=
            "  \"feeSchedules\": [\n"
            + feeSchedules.map { e in
                var fields = ["\"method\": \(q(e.method.name))", "\"asset\": \(q(e.asset.value))", "\"fixed\": \(amount(e.schedule.fixed, e.asset))", "\"basisPoints\": \(e.schedule.basisPoints)"]
                if let m = e.schedule.minimum { fields.append("\"minimum\": \(amount(m, e.asset))") }
                if let m = e.schedule.maximum { fields.append("\"maximum\": \(amount(m, e.asset))") }
                fields += ["\"bearer\": \(q(e.schedule.bearer.description))", "\"feeAccount\": \(q(e.schedule.feeAccount.hex))"]
                return "    {" + fields.joined(separator: ", ") + "}"
            }.joined(separator: ",\n") + "\n  ],\n"
        s += "  \"ledger\": {\n"
        s += note("maxTransactionLifetimeMs bounds how far ahead a transaction may expire (and how long ids are remembered against replay).", "    ")
        s +=
            "    \"maxTransactionLifetimeMs\": \(ledger.maxTransactionLifetimeMs),\n    \"maxHoldLifetimeMs\": \(ledger.maxHoldLifetimeMs),\n    \"maxBlockTransactions\": \(ledger.maxBlockTransactions)\n  },\n"
        s += "  \"consensus\": {\n"
        s += note("Timeouts grow by timeoutDeltaMs per round and never exceed timeoutMaxMs.", "    ")
        s +=
            "    \"blockIntervalMs\": \(consensus.blockIntervalMs),\n    \"timeoutProposeMs\": \(consensus.timeoutProposeMs),\n    \"timeoutVoteMs\": \(consensus.timeoutVoteMs),\n    \"timeoutDeltaMs\": \(consensus.timeoutDeltaMs),\n    \"timeoutMaxMs\": \(consensus.timeoutMaxMs)\n  },\n"
        s += "  \"administration\": {\n"
        s += note(
            "Every administration transaction (enrol, freeze, assets, methods, fee schedules, mandates set by an admin, key replacement, this threshold) needs this many distinct unfrozen admin accounts' signatures; set-admin-threshold changes it.",
            "    ")
        s += "    \"threshold\": \(administration.threshold)\n  }"
        if !observers.isEmpty {
            s += ",\n"
            s += note("Observers: non-voting nodes that follow the chain and serve reads; validators admit them over mutual TLS. Governance adds and removes more.", "  ")
            s += "  \"observers\": [\n"
            s += observers.map { "    {\"name\": \(q($0.name)), \"publicKey\": \(q($0.publicKey.hex))}" }.joined(separator: ",\n") + "\n  ]"
        }
        s += "\n"
        s += "}\n"
        return s
    }
}

extension RFC3339 {
    /// "YYYY-MM-DDTHH:MM:SSZ" (with ".sss" when there are milliseconds).
    static func format(milliseconds: UInt64) -> String {
        let millis = Int(milliseconds % 1000)
        var seconds = Int(milliseconds / 1000)
        let second = seconds % 60; seconds /= 60
        let minute = seconds % 60; seconds /= 60
        let hour = seconds % 24
        let days = seconds / 24
        // Civil date from days (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        let fraction = millis > 0 ? "." + pad(millis, 3) : ""
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))\(fraction)Z"
    }
}
