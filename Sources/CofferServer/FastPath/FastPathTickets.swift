// The fast path's tickets: a gRPC connection asks for them (TokenService.OpenFastPath), and each lets
// one dedicated TLS connection with the same client certificate act as that gRPC connection for the
// pipeline's calls. Tickets are random 256-bit values kept only as their SHA-256, single use, short
// lived and bounded; attached connections close when their gRPC connection does.

import CofferCrypto
import Crypto
import Foundation
import NIOCore
import Synchronization

/// Issued tickets and attached fast-path connections, by the gRPC connection they stand for.
public final class FastPathTickets: Sendable {
    /// Ticket length in bytes.
    public static let ticketByteCount = 32
    /// How long a ticket may wait to be redeemed.
    public static let lifetime: Duration = .seconds(30)
    /// Most tickets one connection may have waiting; a new one evicts the oldest.
    public static let maxPerConnection = 16
    /// Most tickets waiting on the node.
    public static let maxTotal = 4096
    /// Most fast-path connections attached to one gRPC connection.
    public static let maxAttachedPerConnection = 8

    private struct Ticket {
        let connection: String
        let fingerprint: [UInt8]
        let expires: ContinuousClock.Instant
        /// Issue order: eviction takes the lowest.
        let sequence: UInt64
    }

    private struct State {
        var tickets: [[UInt8]: Ticket] = [:]
        var attached: [String: [ObjectIdentifier: any Channel]] = [:]
        var issued: UInt64 = 0
    }

    private let state = Mutex(State())
    private let listeningPort = Atomic<Int>(0)

    public init() {}

    /// The fast-path listener's port; 0 while it is not listening (OpenFastPath is then refused).
    public var port: Int {
        get { listeningPort.load(ordering: .acquiring) }
        set { listeningPort.store(newValue, ordering: .releasing) }
    }

    /// `count` tickets for the connection `connection`, whose client certificate has SHA-256 `fingerprint`.
    func issue(_ count: Int, connection: String, fingerprint: [UInt8]) -> [[UInt8]] {
        let now = ContinuousClock.now
        let tickets = (0..<count).map { _ in SecureRandom.bytes(Self.ticketByteCount) }
        state.withLock { state in
            state.tickets = state.tickets.filter { $0.value.expires > now }
            var mine = state.tickets.filter { $0.value.connection == connection }
            while mine.count + count > Self.maxPerConnection, let oldest = mine.min(by: { $0.value.sequence < $1.value.sequence }) {
                state.tickets[oldest.key] = nil
                mine[oldest.key] = nil
            }
            while state.tickets.count + count > Self.maxTotal, let oldest = state.tickets.min(by: { $0.value.sequence < $1.value.sequence }) {
                state.tickets[oldest.key] = nil
            }
            for ticket in tickets {
                state.issued += 1
                state.tickets[Self.digest(ticket)] = Ticket(
                    connection: connection, fingerprint: fingerprint, expires: now + Self.lifetime, sequence: state.issued)
            }
        }
        return tickets
    }

    /// Redeems `ticket` for `channel`, whose client certificate has SHA-256 `fingerprint`, and attaches
    /// the channel to the ticket's connection. Returns that connection, or nil when the ticket is
    /// unknown, used, expired or issued to another certificate, or its connection is gone or full.
    func redeem(_ ticket: [UInt8], fingerprint: [UInt8], channel: any Channel) -> String? {
        guard ticket.count == Self.ticketByteCount else { return nil }
        let now = ContinuousClock.now
        return state.withLock { state -> String? in
            guard let entry = state.tickets.removeValue(forKey: Self.digest(ticket)), entry.expires > now,
                SecretBytes.constantTimeEqual(entry.fingerprint, fingerprint),
                state.attached[entry.connection, default: [:]].count < Self.maxAttachedPerConnection
            else { return nil }
            state.attached[entry.connection, default: [:]][ObjectIdentifier(channel)] = channel
            return entry.connection
        }
    }

    /// Forgets `channel`, which has closed.
    func detach(_ channel: any Channel, from connection: String) {
        state.withLock { state in
            state.attached[connection]?[ObjectIdentifier(channel)] = nil
            if state.attached[connection]?.isEmpty == true { state.attached[connection] = nil }
        }
    }

    /// The gRPC connection `connection` has closed: its tickets lapse and its fast-path connections close.
    func connectionClosed(_ connection: String) {
        let channels = state.withLock { state -> [any Channel] in
            // With its tickets gone, no channel can attach to it after this.
            state.tickets = state.tickets.filter { $0.value.connection != connection }
            return state.attached.removeValue(forKey: connection).map { Array($0.values) } ?? []
        }
        for channel in channels { channel.close(promise: nil) }
    }

    /// How many fast-path connections are attached to `connection` (for tests).
    func attachedCount(_ connection: String) -> Int {
        state.withLock { $0.attached[connection]?.count ?? 0 }
    }

    private static func digest(_ ticket: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: ticket)) }
}
