extension Duration {
    /// The duration in seconds, as the reports print rates and times.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
