public import SettleCrypto

/// The observers as governance changes them (docs/governance.md §5).
public enum ObserverList {
    /// `observers` after the observer steps of `changes`, in order, given the
    /// validator sets in force now and after the change: an observer's key is
    /// never a validator's, so that a node's role follows from its key alone.
    public static func applying(_ changes: [ValidatorChange], to observers: [Observer], validators: [Validator], next: [Validator]) -> Result<[Observer], ValidatorChangeProblem> {
        var list = observers
        for change in changes {
            switch change {
            case .addObserver(let name, let key):
                guard !list.contains(where: { $0.publicKey == key }) else { return .failure(.alreadyObserver(key)) }
                list.append(Observer(name: name, publicKey: key))
            case .removeObserver(let key):
                guard let index = list.firstIndex(where: { $0.publicKey == key }) else { return .failure(.notAnObserver(key)) }
                list.remove(at: index)
            case .add, .remove, .setPower, .rotate:
                continue
            }
        }
        // A validator leaving keeps its key out of the observers until its set is gone (two heights).
        let validatorKeys = Set(validators.map(\.publicKey)).union(next.map(\.publicKey))
        if let both = list.first(where: { validatorKeys.contains($0.publicKey) }) { return .failure(.observerIsValidator(both.publicKey)) }
        guard list.count <= Observer.maxCount else { return .failure(.tooManyObservers(list.count)) }
        return .success(list)
    }
}
