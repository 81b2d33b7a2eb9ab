import Testing

@Test func CofferModelTestsBuilds() { #expect(Bool(true)) }
