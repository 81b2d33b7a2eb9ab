// The handles under one key of a secondary index (a label, an id, an owner). Most labels name one
// object, so a single handle is held inline and a Set is made only from the second one on: a million
// uniquely labelled keys then cost no Set allocation each.

import CofferModel

/// A set of object handles that holds one handle without allocating.
struct HandleGroup {
    /// The only handle while there is exactly one; 0 otherwise (0 is CK_INVALID_HANDLE, never an object's).
    private var single: ObjectHandle = 0
    /// The handles while there are two or more.
    private var several: Set<ObjectHandle> = []

    var isEmpty: Bool { single == 0 && several.isEmpty }

    var count: Int { single != 0 ? 1 : several.count }

    func contains(_ handle: ObjectHandle) -> Bool { single != 0 ? single == handle : several.contains(handle) }

    /// The handles as a set.
    var handles: Set<ObjectHandle> { single != 0 ? [single] : several }

    mutating func insert(_ handle: ObjectHandle) {
        if single == handle { return }
        if single != 0 {
            several = [single, handle]
            single = 0
        } else if several.isEmpty {
            single = handle
        } else {
            several.insert(handle)
        }
    }

    mutating func remove(_ handle: ObjectHandle) {
        if single == handle {
            single = 0
            return
        }
        several.remove(handle)
        if several.count == 1, let last = several.first {
            single = last
            several = []
        }
    }
}
