/// The ISO 4217 currencies Lookout accepts, each with its minor-unit exponent.
///
/// Only currencies with at most two decimal places are listed, so that
/// ``credits(forMinorAmount:)`` is always a whole number.
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

    /// Credits bought by `amountMinor`: 100 credits per major unit of any currency.
    public func credits(forMinorAmount amountMinor: Int64) -> Int64 {
        switch minorUnitExponent {
        case 0: amountMinor * 100
        default: amountMinor
        }
    }
}
