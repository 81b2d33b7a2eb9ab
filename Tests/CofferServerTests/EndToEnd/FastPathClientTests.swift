// The client side of the fast path: its NIO timeouts keep a profile's sub-second deadline (a deadline
// of 0.5 s once became a connect timeout of zero and the fast path never attached).

import NIOCore
import Testing
@testable import CofferClient

@Suite struct FastPathClientTests {
    @Test func deadlinesBecomeTimeAmountsToTheNanosecond() {
        #expect(FastPathConnection.timeAmount(.milliseconds(500)) == .milliseconds(500))
        #expect(FastPathConnection.timeAmount(.seconds(10)) == .seconds(10))
        #expect(FastPathConnection.timeAmount(.milliseconds(2500) / 4) == .microseconds(625_000))
        #expect(FastPathConnection.timeAmount(.nanoseconds(1)) == .nanoseconds(1))
    }
}
