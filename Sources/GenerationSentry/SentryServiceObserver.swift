import Foundation
import GenerationCore
import LookoutSentry

/// The reference service's business story told to Sentry: breadcrumbs for what users did (registered, paid,
/// submitted, got a result) in the scope of the request or job where it happened, the signed-in user's id on that
/// scope, an event for every failed job attempt with its job id, generation id and attempt, and each attempt counted
/// as a release-health session.
///
/// Breadcrumbs carry ids, amounts and kinds, never e-mail addresses or prompts.
public struct SentryServiceObserver: ServiceObserver {
    let client: SentryClient

    public init(client: SentryClient) {
        self.client = client
    }

    public func userRegistered(_ user: User) {
        breadcrumb("user registered", category: "account", ["user_id": .string(user.id)])
    }

    public func authenticated(userID: String) {
        ScopeBox.current?.update { $0.user["id"] = userID }
    }

    public func paymentSettled(_ payment: Payment) {
        var data: [String: JSONValue] = [
            "payment_id": .string(payment.id), "amount_minor": .int(payment.amountMinor), "currency": .string(payment.currency.rawValue),
            "credits": .int(payment.credits), "status": .string(payment.status.rawValue),
        ]
        if let reason = payment.failureReason { data["reason"] = .string(reason) }
        let level: SentryLevel = payment.status == .approved ? .info : .warning
        breadcrumb("payment \(payment.status.rawValue)", category: "payment", data, level: level)
    }

    public func generationSubmitted(kind: GenerationKind?, outcome: SubmissionOutcome, creditCost: Int64) {
        breadcrumb(
            "generation submitted", category: "generation",
            ["kind": .string(kind?.rawValue ?? "unknown"), "outcome": .string(outcome.rawValue), "credit_cost": .int(creditCost)],
            level: outcome == .accepted ? .info : .warning
        )
    }

    public func jobAttemptFailed(_ job: ClaimedJob, error: any Error, outcome: JobAttemptOutcome) {
        ScopeBox.current?.update { scope in
            scope.tags["job_id"] = String(job.jobID)
            scope.tags["generation_id"] = job.generationID
            scope.tags["attempt"] = String(job.attempt)
            scope.tags["job_outcome"] = outcome.rawValue
            scope.capturedError = true
        }
        var event = SentryEvent(
            level: outcome == .deadLettered ? .error : .warning,
            exceptions: [SentryException(error: error, handled: true, mechanismType: "generation_worker")],
            extra: ["max_attempts": .int(Int64(job.maxAttempts)), "kind": .string(job.kind.rawValue)]
        )
        event.tags = ["job_id": String(job.jobID), "generation_id": job.generationID, "attempt": String(job.attempt), "job_outcome": outcome.rawValue]
        client.capture(event: event)
    }

    public func jobFinished(_ job: ClaimedJob, outcome: JobAttemptOutcome, duration: TimeInterval) {
        // Release health: each attempt is a session, as each request is.
        switch outcome {
        case .completed: client.recordSession(.exited)
        case .retried, .deadLettered: client.recordSession(.errored)
        case .leaseLost, .released: client.recordSession(.abnormal)
        }
        let message =
            switch outcome {
            case .completed: "generation completed"
            case .deadLettered: "generation failed"
            case .retried: "generation attempt failed, retry scheduled"
            case .leaseLost: "generation abandoned: lease lost"
            case .released: "generation released for another worker"
            }
        breadcrumb(
            message, category: "generation",
            ["generation_id": .string(job.generationID), "attempt": .int(Int64(job.attempt)), "duration_s": .double(duration)],
            level: outcome == .completed ? .info : .warning
        )
    }

    private func breadcrumb(_ message: String, category: String, _ data: [String: JSONValue], level: SentryLevel = .info) {
        client.addBreadcrumb(Breadcrumb(category: category, message: message, level: level, data: data))
    }
}
