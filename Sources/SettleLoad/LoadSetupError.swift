/// Why a load could not start: its setup (enrolments and funding) was
/// refused or did not commit, so nothing would be measured.
public struct LoadSetupError: Error, CustomStringConvertible {
    public let description: String
}
