import GenerationCore
import HTTPTypes
import Hummingbird
import LookoutHummingbird
import NIOCore
import Logging

/// Turns every error into an `application/problem+json` response, so that no client ever sees an empty or HTML error.
///
/// - ``ServiceError`` → its mapped status and type.
/// - No route for the path → 404 `route-not-found`; the path exists with other methods → 405 `method-not-allowed` + `Allow`.
/// - An `HTTPError` (the framework's, a Lookout library's, ``JSONBody``'s, a throttle's) → the service's problem for its
///   status (400 malformed-request, 401, 404, 413, 415, 422, 429 rate-limited), its message as the detail and its
///   headers (`Retry-After`) kept; other statuses are kept.
/// - Anything else is a bug: 500 `internal-error`, logged with the error.
public struct ProblemDetailsMiddleware: RouterMiddleware {
    public typealias Context = APIRequestContext

    let routes: RouteTable
    let maxBodyBytes: Int

    public init(routes: RouteTable, maxBodyBytes: Int) {
        self.routes = routes
        self.maxBodyBytes = maxBodyBytes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as ProblemDetails {
            return problem.response(requestID: context.requestID)
        } catch let error as ServiceError {
            if error.code == .malformedRequest || error.code == .validationFailed {
                context.logger.debug("rejected request", metadata: ["problem": .string(error.code.rawValue), "detail": .string(error.message)])
            }
            return ProblemDetails(error).response(requestID: context.requestID)
        } catch let error as any HTTPResponseError {
            return problem(for: error, request: request, context: context).response(requestID: context.requestID)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": .string(String(reflecting: error))])
            return ProblemDetails.internalError.response(requestID: context.requestID)
        }
    }

    private func problem(for error: any HTTPResponseError, request: Request, context: Context) -> ProblemDetails {
        switch error.status {
        case .notFound where HandledRequest.routeTemplate(context) == nil:
            let allowed = routes.methods(matching: request.uri.path)
            if allowed.isEmpty { return .routeNotFound(request.uri.path) }
            return .methodNotAllowed(request.method, path: request.uri.path, allowed: allowed)
        default:
            let httpError = error as? HTTPError
            let problem = ProblemDetails.thrown(status: error.status, message: httpError?.body, headers: httpError?.headers ?? [:], maxBodyBytes: maxBodyBytes)
            if problem.status.code < 500 {
                context.logger.debug("rejected request", metadata: ["problem": .string(problem.code), "detail": .string(problem.detail)])
            }
            return problem
        }
    }
}
