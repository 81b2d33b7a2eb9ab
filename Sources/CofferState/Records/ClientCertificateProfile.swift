// What a client certificate is for (issue 14): admins log in only over an admin workstation's;
// applications (the PKCS#11 library) get application certificates, over which no admin logs in.
// Here, not with the CA that issues them, so that a quorum token can name one (issue-certificate).

/// A client certificate's profile, carried in its subject's OU.
public enum ClientCertificateProfile: String, Sendable, CaseIterable {
    case adminWorkstation = "admin-workstation"
    case application
}
