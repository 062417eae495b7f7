import Foundation

/// What 100 credits cost in each currency, in that currency's minor units: the price list.
///
/// Credits are worth the same whatever the currency: the defaults price 100 credits at 1.00 EUR and the other
/// currencies at about the same value (exchange rates of late 2026, rounded). A payment buys
/// `amount_minor × 100 / price` credits, rounded down, and an amount that buys none is refused. A deployment sets its
/// own list with `LOOKOUT_CREDIT_PRICES` (`USD=110,JPY=165`, the rest keep their defaults).
public struct CreditPrices: Sendable, Equatable {
    /// Minor units (cents, öre, yen) that buy 100 credits, per currency.
    public var minorUnitsPerHundredCredits: [Currency: Int64]

    public static let defaults = CreditPrices(minorUnitsPerHundredCredits: [
        .eur: 100, .usd: 110, .gbp: 85, .chf: 95, .jpy: 165, .sek: 1150, .nok: 1175, .dkk: 746, .pln: 430, .czk: 2500,
        .aud: 165, .cad: 150, .nzd: 180, .sgd: 145,
    ])

    public init(minorUnitsPerHundredCredits: [Currency: Int64]) {
        precondition(Currency.allCases.allSatisfy { (minorUnitsPerHundredCredits[$0] ?? 0) > 0 }, "every currency needs a positive price")
        self.minorUnitsPerHundredCredits = minorUnitsPerHundredCredits
    }

    /// Credits `amountMinor` buys, rounded down.
    public func credits(forMinorAmount amountMinor: Int64, in currency: Currency) -> Int64 {
        let price = minorUnitsPerHundredCredits[currency]!
        return amountMinor.multipliedReportingOverflow(by: 100).overflow ? .max / price : amountMinor * 100 / price
    }

    /// The least amount that buys one credit.
    public func minimumAmount(in currency: Currency) -> Int64 {
        let price = minorUnitsPerHundredCredits[currency]!
        return (price + 99) / 100
    }

    /// Parses `EUR=100,USD=110` over these prices; nil when a currency is unknown or a price not a positive integer.
    public func overridden(by text: String) -> CreditPrices? {
        var prices = minorUnitsPerHundredCredits
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let currency = Currency(rawValue: parts[0].uppercased()), let price = Int64(parts[1]),
                price > 0, price <= 1_000_000
            else { return nil }
            prices[currency] = price
        }
        return CreditPrices(minorUnitsPerHundredCredits: prices)
    }
}
