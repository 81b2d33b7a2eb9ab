// Start-up known-answer tests for the asymmetric mechanisms.

extension KnownAnswerTest {
    static let asymmetric: [KnownAnswerTest] = []
}
