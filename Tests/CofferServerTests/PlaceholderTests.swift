import Testing

@Test func serverTargetBuilds() { #expect(Bool(true)) }
