import ServiceLifecycle

/// Runs `tick` at once and then every `interval` on `clock`, until graceful shutdown or cancellation: the loop of the
/// periodic housekeeping services (``RetentionService``, ``PaymentReconciler``). A tick in progress finishes; the
/// sleep after it is cut short.
func repeatUntilShutdown<C: Clock>(every interval: Duration, on clock: C, _ tick: () async -> Void) async where C.Duration == Duration {
    while !Task.isShuttingDownGracefully, !Task.isCancelled {
        await tick()
        do {
            try await cancelWhenGracefulShutdown { try await clock.sleep(for: interval) }
        } catch {
            return
        }
    }
}
