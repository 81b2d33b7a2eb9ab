// `coffer cluster status`: asks every node the profile lists, each on its own connection with a
// short deadline, and shows each one: reachable or not, seal state, the revision its index reflects
// and its lag behind the store, how long since it last proved itself current, version and uptime;
// then the store cluster's members and leader (etcd's) as a node reports them.

import ArgumentParser
import CofferClient
import CofferProtocol
import Foundation

extension ClusterCommand {
    /// `coffer cluster status`.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every node of the profile: reachable, seal state, revision and lag, version, uptime.",
            discussion: """
                Each node the profile lists is asked on a connection of its own, with a 3 s deadline, so a \
                dead node shows as unreachable instead of stalling the command. "lag" is how many store \
                revisions the node's index is behind the store's newest; "current" is how long since the \
                node last proved its index current (etcd nodes refuse key use past their staleness bound). \
                With --json the first reachable node's fields stay at the top level, as before, and every \
                node is under "nodes". Exits non-zero when no node answers. With --bootstrap HOST:PORT \
                --bootstrap-ca FILE it asks that one node's bootstrap or join listener instead (see \
                `coffer cluster unseal --help`).
                """)

        @OptionGroup var options: CommonOptions
        @OptionGroup var join: JoinListener

        static let probeDeadline: Duration = .seconds(3)

        struct Probe {
            var endpoint: String
            var status: Coffer_V1_GetStatusResponse?
            var error: String?
        }

        func run() async throws {
            let probes: [Probe]
            if let (target, certificate) = try join.resolved() {
                var probe = Probe(endpoint: target.description)
                do {
                    probe.status = try await CofferBootstrap.status(endpoint: target, bootstrapCAPEM: certificate)
                } catch {
                    probe.error = "\(error)"
                }
                probes = [probe]
            } else {
                let configuration = try ClientConfiguration.load(profileAt: ConfigDirectory.profilePath(options.profile))
                probes = await Self.probe(configuration)
            }
            guard let first = probes.first(where: { $0.status != nil }), let firstStatus = first.status else {
                throw CLIError(
                    "no node answered: "
                        + probes.map { "\($0.endpoint): \($0.error ?? "no answer")" }.joined(separator: "; "))
            }
            let members = probes.compactMap(\.status).first { !$0.storeMembers.isEmpty }?.storeMembers ?? []
            var json = Self.json(firstStatus)
            json["endpoint"] = first.endpoint
            json["nodes"] = probes.map { probe -> [String: Any] in
                guard let status = probe.status else {
                    return ["endpoint": probe.endpoint, "reachable": false, "error": probe.error ?? "no answer"]
                }
                var node = Self.json(status)
                node["endpoint"] = probe.endpoint
                node["reachable"] = true
                return node
            }
            json["reachable_nodes"] = probes.filter { $0.status != nil }.count
            json["store_members"] = members.map {
                ["name": $0.name, "client_urls": $0.clientUrls, "leader": $0.leader, "learner": $0.learner] as [String: Any]
            }
            try Output.emit(options, json: json, human: Self.human(probes, members: members, cluster: firstStatus.clusterName))
        }

        /// Every endpoint at once, each with a client of its own.
        static func probe(_ configuration: ClientConfiguration) async -> [Probe] {
            await withTaskGroup(of: (Int, Probe).self) { group in
                for (index, endpoint) in configuration.endpoints.enumerated() {
                    group.addTask {
                        var one = configuration
                        one.endpoints = [endpoint]
                        one.deadline = probeDeadline
                        one.usesFastPath = false
                        var probe = Probe(endpoint: endpoint.description)
                        do {
                            let client = try CofferClient(configuration: one)
                            do {
                                probe.status = try await client.status()
                            } catch {
                                probe.error = "\(error)"
                            }
                            await client.close()
                        } catch {
                            probe.error = "\(error)"
                        }
                        return (index, probe)
                    }
                }
                var probes: [(Int, Probe)] = []
                for await probe in group { probes.append(probe) }
                return probes.sorted { $0.0 < $1.0 }.map(\.1)
            }
        }

        static func lag(_ status: Coffer_V1_GetStatusResponse) -> Int64? {
            status.storeRevision > 0 ? max(0, status.storeRevision - status.header.revision) : nil
        }

        static func json(_ status: Coffer_V1_GetStatusResponse) -> [String: Any] {
            var json: [String: Any] = [
                "seal_state": stateName(status.sealState), "shares_given": status.sharesGiven,
                "threshold": status.threshold, "node_id": status.nodeID, "version": status.version,
                "cluster": status.clusterName, "revision": status.header.revision,
                "uptime_seconds": status.uptimeSeconds, "store": status.storeBackend,
                "store_revision": status.storeRevision, "watch_failures": status.watchFailures,
            ]
            if let lag = lag(status) { json["lag"] = lag }
            if status.millisSinceCurrent >= 0 { json["millis_since_current"] = status.millisSinceCurrent }
            if !status.storeError.isEmpty { json["store_error"] = status.storeError }
            if !status.lastBackupAt.isEmpty {
                var backup: [String: Any] = ["at": status.lastBackupAt]
                if !status.lastBackupFile.isEmpty { backup["file"] = status.lastBackupFile }
                if !status.lastBackupError.isEmpty { backup["error"] = status.lastBackupError }
                json["last_backup"] = backup
            }
            return json
        }

        static func human(_ probes: [Probe], members: [Coffer_V1_StoreMember], cluster: String) -> String {
            var lines = ["cluster: \(cluster)", ""]
            for probe in probes {
                guard let status = probe.status else {
                    lines.append("\(probe.endpoint)  unreachable: \(probe.error ?? "no answer")")
                    continue
                }
                let state = stateName(status.sealState)
                var line = "\(probe.endpoint)  \(state)"
                if state == "sealed" { line += " (\(status.sharesGiven) of \(status.threshold) shares)" }
                line += "  node \(status.nodeID)  revision \(status.header.revision)"
                if let lag = lag(status) { line += "  lag \(lag)" }
                if status.millisSinceCurrent >= 0 { line += "  current \(status.millisSinceCurrent) ms ago" }
                line += "  \(status.storeBackend)  version \(status.version)  up \(status.uptimeSeconds) s"
                if !status.storeError.isEmpty { line += "  store: \(status.storeError)" }
                lines.append(line)
                if !status.lastBackupAt.isEmpty {
                    lines.append(
                        status.lastBackupError.isEmpty
                            ? "    last scheduled backup \(status.lastBackupAt): \(status.lastBackupFile)"
                            : "    last scheduled backup \(status.lastBackupAt) FAILED: \(status.lastBackupError)")
                }
            }
            if !members.isEmpty {
                lines.append("")
                lines.append("store members:")
                for member in members {
                    let role = member.leader ? "leader" : (member.learner ? "learner" : "follower")
                    lines.append("  \(member.name)  \(role)  \(member.clientUrls.joined(separator: ", "))")
                }
            }
            return lines.joined(separator: "\n")
        }
    }
}
