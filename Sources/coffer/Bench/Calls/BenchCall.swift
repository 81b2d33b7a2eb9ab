// One timed unit of work, bound to one thread's session and buffers, so the timed loop allocates
// nothing of its own.

/// A call the runner times. Each thread has its own instance.
protocol BenchCall: AnyObject {
    /// Performs one operation (all the C_* calls it takes).
    func run() throws(PKCS11Error)
}
