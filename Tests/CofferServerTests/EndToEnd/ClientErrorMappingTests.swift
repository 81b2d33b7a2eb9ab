// CofferClientError.mapping: the node's CKR travels through untouched; transport failures get the
// client's documented codes.

import CofferClient
import CofferProtocol
import GRPCCore
import Testing

@Suite struct ClientErrorMappingTests {
    let endpoint = Endpoint(host: "127.0.0.1", port: 9443)

    @Test func theNodesReturnCodeAndMessageArePreserved() {
        var metadata = Metadata()
        metadata.addString("160", forKey: CofferWire.returnCodeMetadataKey)
        let rpc = RPCError(code: .permissionDenied, message: "wrong password", metadata: metadata)
        let error = CofferClientError.mapping(rpc, endpoint: endpoint)
        #expect(error.kind == .rejected)
        #expect(error.returnCode == 0xA0)
        #expect(error.message == "wrong password")
        #expect(error.description == "CKR_PIN_INCORRECT: wrong password")
    }

    @Test func unavailableIsDeviceRemoved() {
        let error = CofferClientError.mapping(RPCError(code: .unavailable, message: "refused"), endpoint: endpoint)
        #expect(error.kind == .unreachable)
        #expect(error.returnCode == CofferReturnCode.deviceRemoved)
        #expect(error.message.contains("127.0.0.1:9443"))
    }

    @Test func deadlineExceededIsDeviceError() {
        let error = CofferClientError.mapping(RPCError(code: .deadlineExceeded, message: ""), endpoint: endpoint)
        #expect(error.kind == .timedOut)
        #expect(error.returnCode == CofferReturnCode.deviceError)
    }

    @Test func otherStatusesAndForeignErrorsAreDeviceError() {
        #expect(
            CofferClientError.mapping(RPCError(code: .internalError, message: "x"), endpoint: nil).returnCode == 0x30)
        #expect(
            CofferClientError.mapping(RPCError(code: .unimplemented, message: "x"), endpoint: nil).returnCode == 0x54)
        struct Foreign: Error {}
        let foreign = CofferClientError.mapping(Foreign(), endpoint: nil)
        #expect(foreign.kind == .transport && foreign.returnCode == CofferReturnCode.deviceError)
    }

    @Test func aBadCKRMetadataValueFallsBackToTheStatus() {
        var metadata = Metadata()
        metadata.addString("not-a-number", forKey: CofferWire.returnCodeMetadataKey)
        let error = CofferClientError.mapping(
            RPCError(code: .unavailable, message: "", metadata: metadata), endpoint: nil)
        #expect(error.returnCode == CofferReturnCode.deviceRemoved)
    }
}
