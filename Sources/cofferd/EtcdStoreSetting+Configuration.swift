// The node's etcd store setting as the etcd backend's configuration, checked by the backend's own
// validation so that a setting it would refuse stops cofferd at start with one line naming it.

import CofferServer
import CofferStoreEtcd

extension EtcdStoreSetting {
    /// The backend's configuration, validated (no connection is made).
    func etcdConfiguration() throws(ConfigurationError) -> EtcdConfiguration {
        let configuration = EtcdConfiguration(
            endpoints: endpoints.map { EtcdConfiguration.Endpoint(host: $0.host, port: $0.port) },
            prefix: Array(prefix.utf8),
            tls: tls.map {
                EtcdConfiguration.TLS(trustRootsPEM: $0.caPEM, clientCertificatePEM: $0.certificatePEM, clientKeyPEM: $0.keyPEM)
            },
            credentials: username.map { EtcdConfiguration.Credentials(username: $0, password: password ?? "") })
        do { try configuration.validate() } catch { throw Self.describe(error) }
        return configuration
    }

    /// One line naming the setting the backend refused.
    static func describe(_ error: EtcdConfigurationError) -> ConfigurationError {
        switch error {
        case .noEndpoints:
            ConfigurationError("store.endpoints must list at least one etcd member (HOST:PORT)")
        case .mixedEndpoints:
            ConfigurationError(
                "store.endpoints must be all IPv4 or all IPv6 addresses; a DNS name may only be the one endpoint")
        case .invalidPort(let port):
            ConfigurationError("store.endpoints: port \(port) must be 1 to 65535")
        case .incompleteClientCertificate:
            ConfigurationError("store.tls: certificate and key must be given together")
        case .transport(let message):
            ConfigurationError("store.tls: the etcd transport refused the settings: \(message)")
        }
    }
}
