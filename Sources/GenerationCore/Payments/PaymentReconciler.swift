import Foundation
import Logging
import ServiceLifecycle

/// Settles the payments whose answer was lost: `unknown` ones (the provider timed out or the call broke) and `pending`
/// ones left by a request that died between storing the payment and recording the answer (a crash, a SIGKILL). Every
/// ``Configuration/interval`` it asks the provider about each, by the same reference the charge used
/// (``PaymentService/reconcile(_:)``), so that no charge is lost and none is counted twice: settlements are conditional,
/// and several replicas reconciling at once add the credits once.
public struct PaymentReconciler<C: Clock>: Service where C.Duration == Duration {
    public struct Configuration: Sendable {
        /// Between rounds. Default: 30 s.
        public var interval: Duration = .seconds(30)
        /// How old a `pending` payment must be before it counts as abandoned: longer than any live request keeps one
        /// open (the provider timeout plus margin). Default: 60 s.
        public var pendingGrace: Duration = .seconds(60)
        /// Payments looked at per round. Default: 100.
        public var batch = 100

        public init() {}
    }

    /// What one round did.
    public struct Round: Sendable, Equatable {
        public var settled = 0
        /// The provider could not tell yet; asked again next round.
        public var stillOpen = 0

        public init(settled: Int = 0, stillOpen: Int = 0) {
            self.settled = settled
            self.stillOpen = stillOpen
        }
    }

    let payments: PaymentService
    let store: any PaymentStore
    let configuration: Configuration
    let clock: C
    let now: @Sendable () -> Date
    let logger: Logger

    public init(
        payments: PaymentService, store: any PaymentStore, configuration: Configuration = .init(), clock: C,
        now: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.payments = payments
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.now = now
        self.logger = logger
    }

    public func run() async throws {
        await repeatUntilShutdown(every: configuration.interval, on: clock) { await reconcileOnce() }
    }

    /// One round (what each tick does).
    @discardableResult
    public func reconcileOnce() async -> Round {
        var round = Round()
        let open: [Payment]
        do {
            open = try await store.openPayments(pendingBefore: now().addingTimeInterval(-configuration.pendingGrace.timeInterval), limit: configuration.batch)
        } catch {
            logger.error("listing open payments failed", metadata: ["error": .string(String(describing: error))])
            return round
        }
        for payment in open {
            do {
                let settled = try await payments.reconcile(payment)
                if settled.status.isOpen {
                    round.stillOpen += 1
                } else {
                    round.settled += 1
                    logger.notice(
                        "payment reconciled",
                        metadata: ["payment_id": .string(payment.id), "was": .string(payment.status.rawValue), "now": .string(settled.status.rawValue)]
                    )
                }
            } catch {
                round.stillOpen += 1
                logger.warning("payment still open: the provider could not tell", metadata: ["payment_id": .string(payment.id), "error": .string(String(describing: error))])
            }
        }
        return round
    }
}

extension PaymentReconciler where C == ContinuousClock {
    public init(payments: PaymentService, store: any PaymentStore, configuration: Configuration = .init(), logger: Logger) {
        self.init(payments: payments, store: store, configuration: configuration, clock: ContinuousClock(), logger: logger)
    }
}
