// Options every command takes: where the profile is, and whether to print JSON.

import ArgumentParser

/// `--profile` and `--json`.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "The profile JSON (default: $COFFER_PROFILE, else <config dir>/profile.json).")
    var profile: String?

    @Flag(name: .long, help: "Print the result as JSON on stdout.")
    var json = false

    @Option(
        name: .customLong("quorum-token"),
        help: "A quorum token whose approvals allow this command once (coffer quorum request; docs/quorum.md).")
    var quorumToken: String?
}
