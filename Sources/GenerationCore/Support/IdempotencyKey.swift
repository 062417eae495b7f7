/// The `Idempotency-Key` header's rules, shared by the routes that take one (payments: required; generations: optional).
public enum IdempotencyKey {
    /// The key when it is 1 to 255 printable ASCII characters without spaces; throws
    /// ``ServiceError/Code/validationFailed`` otherwise.
    public static func validated(_ key: String) throws -> String {
        guard !key.isEmpty, key.count <= 255, key.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
            throw ServiceError(.validationFailed, "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces")
        }
        return key
    }
}
