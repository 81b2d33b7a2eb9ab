// Backups: the node streams the file; the caller writes each chunk as it comes (docs/backup.md).

import CofferProtocol
import Foundation
import GRPCCore
import GRPCProtobuf

extension CofferClient {
    /// Asks the current node for a backup and hands each chunk to `each`, in order. The first chunk
    /// names the revision and the record count. Not retried: a failed backup is simply made again.
    public func createBackup(_ each: @escaping @Sendable (Coffer_V1_BackupChunk) async throws -> Void) async throws(CofferClientError) {
        let index = selection.index
        let connection = connections[index]
        var request = Coffer_V1_CreateBackupRequest()
        request.header.loginToken = state.withLock { $0.token(for: index) }
        request.header.minRevision = highestRevision
        let client = try connection.client()
        var options = CallOptions.defaults
        // A large store takes a while to read; the deadline covers the whole stream.
        options.timeout = max(configuration.deadline, .seconds(3600))
        options.maxResponseMessageBytes = CofferWire.maxReplyBytes
        options.maxRequestMessageBytes = CofferWire.maxReplyBytes
        do {
            try await client.serverStreaming(
                request: ClientRequest(message: request),
                descriptor: Coffer_V1_BackupService.Method.CreateBackup.descriptor,
                serializer: ProtobufSerializer<Coffer_V1_CreateBackupRequest>(),
                deserializer: ProtobufDeserializer<Coffer_V1_BackupChunk>(),
                options: options
            ) { response in
                for try await chunk in response.messages { try await each(chunk) }
            }
        } catch let error as CofferClientError {
            throw error
        } catch {
            throw CofferClientError.mapping(error, endpoint: connection.endpoint)
        }
    }
}

extension CofferClient {
    /// Sends the backup file at `path` to the current node, which puts back the destroyed objects that
    /// `handle` or `label` names (admins). Returns their handles and labels.
    public func restoreObjects(fromBackup path: String, handle: UInt64? = nil, label: String? = nil) async throws(CofferClientError)
        -> [(handle: UInt64, label: String)]
    {
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw CofferClientError(kind: .rejected, returnCode: CofferReturnCode.argumentsBad, message: "cannot read \(path)")
        }
        defer { try? file.close() }
        let index = selection.index
        let connection = connections[index]
        var first = Coffer_V1_RestoreObjectsChunk()
        first.header.loginToken = state.withLock { $0.token(for: index) }
        first.header.minRevision = highestRevision
        if let handle { first.handle = handle } else if let label { first.label = label }
        let opening = first
        let client = try connection.client()
        var options = CallOptions.defaults
        options.timeout = max(configuration.deadline, .seconds(3600))
        options.maxResponseMessageBytes = CofferWire.maxReplyBytes
        options.maxRequestMessageBytes = CofferWire.maxReplyBytes
        let reader = UncheckedFile(file)
        let response: Coffer_V1_RestoreObjectsResponse
        do {
            response = try await client.clientStreaming(
                request: StreamingClientRequest(of: Coffer_V1_RestoreObjectsChunk.self) { writer in
                    var message = opening
                    while true {
                        message.data = try reader.file.read(upToCount: 1 << 20) ?? Data()
                        try await writer.write(message)
                        if message.data.isEmpty { break }
                        message = Coffer_V1_RestoreObjectsChunk()
                    }
                },
                descriptor: Coffer_V1_BackupService.Method.RestoreObjects.descriptor,
                serializer: ProtobufSerializer<Coffer_V1_RestoreObjectsChunk>(),
                deserializer: ProtobufDeserializer<Coffer_V1_RestoreObjectsResponse>(),
                options: options
            ) { try $0.message }
        } catch let error as CofferClientError {
            throw error
        } catch {
            throw CofferClientError.mapping(error, endpoint: connection.endpoint)
        }
        observe(revision: response.header.revision)
        return zip(response.handles, response.labels).map { ($0, $1) }
    }
}

/// A file read from the request producer's task only, one read at a time.
private struct UncheckedFile: @unchecked Sendable {
    let file: FileHandle
    init(_ file: FileHandle) { self.file = file }
}
