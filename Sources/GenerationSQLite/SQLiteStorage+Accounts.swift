import Foundation
import GenerationCore
import GRDB

extension SQLiteStorage: AccountStore {
    public func createUser(id: String, email: String, passwordHash: String, now: Date) async throws -> User {
        try await transaction("create_user") { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE email = ?", arguments: [email]) == true {
                throw ServiceError(.emailTaken, "an account with this email already exists")
            }
            try db.execute(
                sql: "INSERT INTO users (id, email, password_hash, credits, created_at) VALUES (?, ?, ?, 0, ?)",
                arguments: [id, email, passwordHash, now.databaseValue]
            )
            return User(id: id, email: email, credits: 0, createdAt: now)
        }
    }

    public func credentials(email: String) async throws -> UserCredentials? {
        try await read("credentials") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE email = ?", arguments: [email]).map {
                UserCredentials(user: Self.user(from: $0), passwordHash: $0["password_hash"])
            }
        }
    }

    public func user(id: String) async throws -> User? {
        // Every authenticated request reads its user: a point read on the caller's thread, its statement prepared once
        // per connection.
        try pointRead("user") { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE id = ?"), arguments: [id]).map(Self.user(from:))
        }
    }

    public func createSession(_ session: Session, now: Date, keepingAtMost limit: Int) async throws -> [String] {
        try await transaction("create_session") { db in
            try db.execute(
                sql: "INSERT INTO sessions (selector, secret_hash, user_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [session.selector, Data(session.secretHash), session.userID, session.expiresAt.databaseValue, now.databaseValue]
            )
            // Housekeeping: expired sessions are useless; drop them while we hold the write lock anyway.
            try db.execute(sql: "DELETE FROM sessions WHERE expires_at <= ?", arguments: [now.databaseValue])
            // The oldest beyond the cap (rowid breaks ties of the same instant: the one inserted first goes first).
            let surplus = try String.fetchAll(
                db,
                sql: "SELECT selector FROM sessions WHERE user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?",
                arguments: [session.userID, limit]
            )
            for selector in surplus {
                try db.execute(sql: "DELETE FROM sessions WHERE selector = ?", arguments: [selector])
            }
            return surplus
        }
    }

    public func deleteSession(selector: String) async throws -> Bool {
        try await transaction("delete_session") { db in
            try db.execute(sql: "DELETE FROM sessions WHERE selector = ?", arguments: [selector])
            return db.changesCount > 0
        }
    }

    public func deleteSessions(userID: String) async throws -> [String] {
        try await transaction("delete_sessions") { db in
            let selectors = try String.fetchAll(db, sql: "SELECT selector FROM sessions WHERE user_id = ?", arguments: [userID])
            try db.execute(sql: "DELETE FROM sessions WHERE user_id = ?", arguments: [userID])
            return selectors
        }
    }

    public func updatePasswordHash(userID: String, passwordHash: String) async throws {
        try await transaction("update_password_hash") { db in
            try db.execute(sql: "UPDATE users SET password_hash = ? WHERE id = ?", arguments: [passwordHash, userID])
        }
    }

    public func session(selector: String, now: Date) async throws -> Session? {
        try pointRead("session") { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM sessions WHERE selector = ? AND expires_at > ?"), arguments: [selector, now.databaseValue]
            ).map { row in
                Session(selector: row["selector"], secretHash: Array(row["secret_hash"] as Data), userID: row["user_id"], expiresAt: row.date("expires_at"))
            }
        }
    }

    static func user(from row: Row) -> User {
        User(id: row["id"], email: row["email"], credits: row["credits"], createdAt: row.date("created_at"))
    }
}
