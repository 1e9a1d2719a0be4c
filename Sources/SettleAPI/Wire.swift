/// The RPC's JSON bodies (docs/rpc.md), shared by the node and its clients so
/// both read and write the same fields. Hashes and keys are lower-case hex;
/// amounts are integer minor units.
///
/// The bodies are grouped by resource, one file each (`Wire+Submission`,
/// `Wire+Node`, `Wire+Transactions`, `Wire+Chain`, `Wire+Accounts`,
/// `Wire+Events`, `Wire+Costs`, `Wire+Validators`, `Wire+Errors`).
public enum Wire {}
