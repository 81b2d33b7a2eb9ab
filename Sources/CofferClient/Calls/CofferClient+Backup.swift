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
