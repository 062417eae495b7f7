import HTTPTypes

/// The headers every HTML page Lookout serves carries (`/status`, `/docs`): the pages are self-contained (inline CSS
/// and SVG, no script, no external resource), so the policy allows exactly that and nothing else.
///
/// - `Content-Security-Policy`: no script, no fetch, no frame, no form target, styles and images inline only; an
///   injected `<script>` (say, through a check name in a status page) would not run.
/// - `X-Content-Type-Options: nosniff`: the browser takes the declared type as given.
/// - `Referrer-Policy: no-referrer`: following a link from the page leaks nothing.
/// - `X-Frame-Options: DENY` for browsers that predate `frame-ancestors`.
public enum HTMLPageHeaders {
    public static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    public static let fields: HTTPFields = [
        .contentSecurityPolicy: contentSecurityPolicy,
        .xContentTypeOptions: "nosniff",
        .referrerPolicy: "no-referrer",
        .xFrameOptions: "DENY",
    ]
}

extension HTTPField.Name {
    public static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    public static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}
