// The root of the coffer admin CLI: command groups for the cluster, logins, users, keys and
// cryptographic operations, and a benchmark of any PKCS#11 module.

import ArgumentParser

/// `coffer`: administer a Coffer cluster from a workstation.
struct CofferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coffer",
        abstract: "Administer a Coffer HSM cluster.",
        discussion: """
            The profile (endpoints, CA, client certificate) comes from --profile, else $COFFER_PROFILE, \
            else <config dir>/profile.json, where the config dir is $COFFER_CONFIG_DIR, else \
            $XDG_CONFIG_HOME/coffer, else ~/.config/coffer. `coffer login` keeps its token in \
            <config dir>/session.json.
            """,
        subcommands: [
            ClusterCommand.self, LoginCommand.self, LogoutCommand.self, UserCommand.self, KeyCommand.self,
            CryptoCommand.self, BackupCommand.self, AttestCommand.self, AuditCommand.self, QuorumCommand.self, BenchCommand.self,
        ]
    )
}
