/// The ISO 4217 currencies Lookout accepts, each with its minor-unit exponent. What credits cost in each is
/// ``CreditPrices``.
public enum Currency: String, CaseIterable, Sendable, Codable {
    case aud = "AUD", cad = "CAD", chf = "CHF", czk = "CZK", dkk = "DKK", eur = "EUR", gbp = "GBP", jpy = "JPY"
    case nok = "NOK", nzd = "NZD", pln = "PLN", sek = "SEK", sgd = "SGD", usd = "USD"

    /// Digits after the decimal point in the currency's minor unit (JPY has none).
    public var minorUnitExponent: Int {
        switch self {
        case .jpy: 0
        default: 2
        }
    }
}
