// Backups: the node streams the file; the caller writes each chunk as it comes (docs/backup.md).

import CofferProtocol
import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

extension CofferClient {
    /// Asks the current node for a backup and hands each chunk to `each`, in order. The first chunk
    /// names the revision and the record count. Not retried: a failed backup is simply made again.
    public func createBackup(_ each: @escaping @Sendable (Coffer_V1_BackupChunk) async throws -> Void) async throws(CofferClientError) {
        let index = selection.index
        let connection = connections[index]
        var request = Coffer_V1_CreateBackupRequest()
        request.header.loginToken = state.withLock { $0.token(for: index) }
        request.header.minRevision = highestRevision
        request.header.quorumToken = quorumToken
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
        var first = Coffer_V1_RestoreObjectsChunk()
        if let handle { first.handle = handle } else if let label { first.label = label }
        let response: Coffer_V1_RestoreObjectsResponse = try await upload(
            path, first: first, Coffer_V1_BackupService.Method.RestoreObjects.descriptor)
        return zip(response.handles, response.labels).map { ($0, $1) }
    }

    /// Sends the backup file at `path` to the current node, which checks it against the cluster CA and
    /// opens every sealed record under the domain key, restoring nothing (admins and auditors).
    public func verifyBackup(_ path: String) async throws(CofferClientError) -> Coffer_V1_VerifyBackupResponse {
        try await upload(path, first: Coffer_V1_BackupFileChunk(), Coffer_V1_BackupService.Method.VerifyBackup.descriptor)
    }

    /// Streams the file at `path` in 1 MiB messages, `first` (with the request header) leading.
    private func upload<Chunk: BackupUploadChunk, Response: RevisionedResponse>(
        _ path: String, first: Chunk, _ descriptor: MethodDescriptor
    ) async throws(CofferClientError) -> Response {
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw CofferClientError(kind: .rejected, returnCode: CofferReturnCode.argumentsBad, message: "cannot read \(path)")
        }
        defer { try? file.close() }
        let index = selection.index
        let connection = connections[index]
        var opening = first
        opening.header.loginToken = state.withLock { $0.token(for: index) }
        opening.header.minRevision = highestRevision
        opening.header.quorumToken = quorumToken
        let leading = opening
        let client = try connection.client()
        var options = CallOptions.defaults
        options.timeout = max(configuration.deadline, .seconds(3600))
        options.maxResponseMessageBytes = CofferWire.maxReplyBytes
        options.maxRequestMessageBytes = CofferWire.maxReplyBytes
        let reader = UncheckedFile(file)
        let response: Response
        do {
            response = try await client.clientStreaming(
                request: StreamingClientRequest(of: Chunk.self) { writer in
                    var message = leading
                    while true {
                        message.data = try reader.file.read(upToCount: 1 << 20) ?? Data()
                        try await writer.write(message)
                        if message.data.isEmpty { break }
                        message = Chunk()
                    }
                },
                descriptor: descriptor,
                serializer: ProtobufSerializer<Chunk>(),
                deserializer: ProtobufDeserializer<Response>(),
                options: options
            ) { try $0.message }
        } catch let error as CofferClientError {
            throw error
        } catch {
            throw CofferClientError.mapping(error, endpoint: connection.endpoint)
        }
        observe(revision: response.header.revision)
        return response
    }
}

/// The first message of a backup upload carries the request header; every one carries bytes.
protocol BackupUploadChunk: SwiftProtobuf.Message {
    var header: Coffer_V1_RequestHeader { get set }
    var data: Data { get set }
}
extension Coffer_V1_RestoreObjectsChunk: BackupUploadChunk {}
extension Coffer_V1_BackupFileChunk: BackupUploadChunk {}

/// A file read from the request producer's task only, one read at a time.
private struct UncheckedFile: @unchecked Sendable {
    let file: FileHandle
    init(_ file: FileHandle) { self.file = file }
}
