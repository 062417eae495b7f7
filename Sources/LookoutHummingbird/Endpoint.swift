import HTTPTypes
import Hummingbird

/// One HTTP endpoint a Lookout library serves: method, path template and handler.
///
/// A library hands out its endpoints as an array (`SLARoutes.endpoints`, `StatusPageRoutes.endpoints`) rather than
/// registering them itself, so that the app can place them inside its own middleware and list them (a 405's `Allow`
/// header, the check that keeps an OpenAPI document true). ``Hummingbird/Router/add(_:)`` registers them as they are.
/// Handlers report a client's mistake by throwing Hummingbird's `HTTPError` with a message; the app decides how an
/// error is rendered (Lookout's reference service: `application/problem+json`).
public struct Endpoint<Context: RequestContext>: Sendable {
    public var method: HTTPRequest.Method
    /// A Hummingbird path template: `/sla/maintenance/{id}`.
    public var path: String
    public var handler: @Sendable (Request, Context) async throws -> Response

    public init(_ method: HTTPRequest.Method, _ path: String, handler: @escaping @Sendable (Request, Context) async throws -> Response) {
        self.method = method
        self.path = path
        self.handler = handler
    }
}

extension Router {
    /// Registers each endpoint on this router.
    public func add(_ endpoints: [Endpoint<Context>]) {
        for endpoint in endpoints {
            on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handler)
        }
    }
}
