// Start-up known-answer tests for the symmetric mechanisms.

extension KnownAnswerTest {
    static let symmetric: [KnownAnswerTest] = []
}
