// Turns a key given on the command line (a handle number or a label) into object handles, and
// reads the class and key type that pick default mechanisms.

import CofferClient
import CofferProtocol
import Foundation

/// Finds keys by handle or label.
enum KeyLookup {
    static let classAttribute: UInt64 = 0x0000
    static let labelAttribute: UInt64 = 0x0003
    static let keyTypeAttribute: UInt64 = 0x0100

    /// Every handle `reference` names: itself if it is a number, else the visible objects with that
    /// label (restricted to `classes` when given).
    static func all(_ client: CofferClient, _ reference: String, classes: [UInt64] = []) async throws -> [UInt64] {
        if let handle = UInt64(reference) { return [handle] }
        let label = Coffer_V1_Attribute.string(labelAttribute, reference)
        if classes.isEmpty { return try await client.findObjects(template: [label]) }
        var handles: [UInt64] = []
        for objectClass in classes {
            handles += try await client.findObjects(template: [label, .ulong(classAttribute, objectClass)])
        }
        return handles
    }

    /// The one key `reference` names among `classes`.
    static func one(_ client: CofferClient, _ reference: String, classes: [UInt64], role: String) async throws -> UInt64
    {
        let handles = try await all(client, reference, classes: classes)
        guard let handle = handles.first else { throw CLIError("no \(role) key \"\(reference)\" visible to you") }
        guard handles.count == 1 else {
            throw CLIError("\"\(reference)\" names \(handles.count) keys; give a handle (see `coffer key list`)")
        }
        return handle
    }

    /// The object's class and key type.
    static func kind(_ client: CofferClient, _ handle: UInt64) async throws -> (objectClass: UInt64, keyType: UInt64) {
        let results = try await client.getAttributes(handle, types: [classAttribute, keyTypeAttribute])
        guard results.count == 2, let objectClass = results[0].ulong, let keyType = results[1].ulong else {
            throw CLIError("object \(handle) is not a key")
        }
        return (objectClass, keyType)
    }
}
