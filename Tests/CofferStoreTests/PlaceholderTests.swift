import Testing

@Test func CofferStoreTestsBuilds() { #expect(Bool(true)) }
