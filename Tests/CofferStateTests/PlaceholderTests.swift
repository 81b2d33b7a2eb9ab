import Testing

@Test func CofferStateTestsBuilds() { #expect(Bool(true)) }
