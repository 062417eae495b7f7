/// The OpenAPI 3.1 description of the whole HTTP API, served at `/openapi.json` and rendered at `/docs`.
///
/// Kept true by `OpenAPITests`: every registered route is documented and every documented route exists, and real
/// responses are validated against the schemas below.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Lookout reference generation service",
    "version": "1.0.0",
    "description": "Users register, buy credits through a payment provider and submit generation requests that a worker processes from a durable queue. Every error is application/problem+json (RFC 9457); its `type` links to the problem's explanation on /docs."
  },
  "servers": [{"url": "/"}],
  "components": {
    "securitySchemes": {
      "bearer": {"type": "http", "scheme": "bearer", "description": "The `token` returned by POST /api/v1/sessions."},
      "admin": {"type": "http", "scheme": "bearer", "description": "The server's LOOKOUT_ADMIN_TOKEN (admin API; refused when the server has none)."}
    },
    "parameters": {
      "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": true, "description": "Any unique string up to 255 printable ASCII characters (a UUID works). Retrying with the same key returns the same payment and never charges twice.", "schema": {"type": "string", "minLength": 1, "maxLength": 255}},
      "RequestID": {"name": "X-Request-ID", "in": "header", "required": false, "description": "Correlates logs with your request; echoed back. 1-128 characters of [A-Za-z0-9._-].", "schema": {"type": "string"}}
    },
    "schemas": {
      "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details. Extra members (balance, cost, payment_id, limit_bytes, retry_after_seconds) appear where they help.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
          "type": {"type": "string", "description": "Stable problem type, e.g. /docs#problem-insufficient-credits"},
          "title": {"type": "string"},
          "status": {"type": "integer"},
          "detail": {"type": "string", "description": "What went wrong and how to fix it"},
          "request_id": {"type": "string"},
          "balance": {"type": "integer"},
          "cost": {"type": "integer"},
          "payment_id": {"type": "string"},
          "limit_bytes": {"type": "integer"},
          "retry_after_seconds": {"type": "integer", "description": "With 429 and 503: when to try again, as in Retry-After"},
          "generation_id": {"type": "string"},
          "minimum_amount_minor": {"type": "integer", "description": "With a payment too small to buy one credit: the least amount that does"}
        }
      },
      "Credentials": {
        "type": "object",
        "required": ["email", "password"],
        "properties": {
          "email": {"type": "string", "description": "Trimmed and lowercased before use; unique."},
          "password": {"type": "string", "minLength": 8, "description": "At least 8 characters. Stored as a PBKDF2-SHA256 hash."}
        }
      },
      "Registration": {
        "type": "object",
        "required": ["email", "next"],
        "properties": {
          "email": {"type": "string", "description": "The address, trimmed and lowercased"},
          "next": {"type": "string", "description": "What to do next"}
        }
      },
      "User": {
        "type": "object",
        "required": ["id", "email", "credits", "created_at"],
        "properties": {
          "id": {"type": "string"},
          "email": {"type": "string"},
          "credits": {"type": "integer", "description": "Spendable credits"},
          "created_at": {"type": "string", "format": "date-time"}
        }
      },
      "Session": {
        "type": "object",
        "required": ["token", "token_type", "expires_at", "user"],
        "properties": {
          "token": {"type": "string", "description": "Send as `Authorization: Bearer <token>`. Shown once."},
          "token_type": {"type": "string", "enum": ["Bearer"]},
          "expires_at": {"type": "string", "format": "date-time"},
          "user": {"$ref": "#/components/schemas/User"}
        }
      },
      "PaymentRequest": {
        "type": "object",
        "required": ["amount_minor", "currency", "card_token"],
        "properties": {
          "amount_minor": {"type": "integer", "minimum": 1, "maximum": 1000000, "description": "Amount in the currency's minor unit (cents; yen have none). It buys amount_minor × 100 / price credits, rounded down, the price being what 100 credits cost in that currency (1.00 EUR, 1.10 USD, 165 JPY, …: LOOKOUT_CREDIT_PRICES); an amount that buys none is refused (422 with minimum_amount_minor)."},
          "currency": {"type": "string", "enum": ["AUD", "CAD", "CHF", "CZK", "DKK", "EUR", "GBP", "JPY", "NOK", "NZD", "PLN", "SEK", "SGD", "USD"]},
          "card_token": {"type": "string", "description": "Sandbox tokens: tok_visa and tok_mastercard (approved), tok_slow (approved after 3 s), tok_declined, tok_insufficient_funds, tok_expired (402), tok_provider_error (502), tok_timeout (504, never charged: reconciled as failed), tok_timeout_charged (504, charged but the answer lost: reconciled as approved)."}
        }
      },
      "Payment": {
        "type": "object",
        "required": ["id", "status", "amount_minor", "currency", "credits", "failure_reason", "created_at", "updated_at"],
        "properties": {
          "id": {"type": "string"},
          "status": {"type": "string", "enum": ["pending", "approved", "declined", "failed", "unknown"], "description": "unknown: the provider did not answer and the card may have been charged; the server asks the provider and settles it as approved or failed within a minute or so (retry with the same Idempotency-Key, never a new one)"},
          "amount_minor": {"type": "integer"},
          "currency": {"type": "string"},
          "credits": {"type": "integer", "description": "Credits this payment buys (added only when approved)"},
          "failure_reason": {"type": ["string", "null"]},
          "created_at": {"type": "string", "format": "date-time"},
          "updated_at": {"type": "string", "format": "date-time"}
        }
      },
      "GenerationRequest": {
        "type": "object",
        "required": ["prompt", "kind"],
        "properties": {
          "prompt": {"type": "string", "minLength": 1, "maxLength": 2000, "description": "1 to 2000 characters and at most 8000 bytes of UTF-8, not blank; no control characters but tab, line feed and carriage return. A picture's title keeps the first 100 characters."},
          "kind": {"type": "string", "enum": ["image", "text"], "description": "image costs 10 credits (an SVG), text costs 2"}
        }
      },
      "Generation": {
        "type": "object",
        "required": ["id", "kind", "prompt", "status", "credit_cost", "attempts", "result", "failure_reason", "created_at", "updated_at", "completed_at"],
        "properties": {
          "id": {"type": "string"},
          "kind": {"type": "string", "enum": ["image", "text"]},
          "prompt": {"type": "string"},
          "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed"]},
          "credit_cost": {"type": "integer"},
          "attempts": {"type": "integer", "description": "Times a worker has started this generation"},
          "result": {
            "type": ["object", "null"],
            "description": "The artifact once succeeded; null before, when failed, and after LOOKOUT_ARTIFACT_RETENTION_DAYS (90 by default: the generation stays, its result is dropped)",
            "required": ["content_type", "content"],
            "properties": {"content_type": {"type": "string"}, "content": {"type": "string"}}
          },
          "failure_reason": {"type": ["string", "null"], "description": "Set when failed; the credits were refunded"},
          "created_at": {"type": "string", "format": "date-time"},
          "updated_at": {"type": "string", "format": "date-time"},
          "completed_at": {"type": ["string", "null"], "format": "date-time"}
        }
      },
      "GenerationPage": {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
          "items": {"type": "array", "items": {"$ref": "#/components/schemas/Generation"}},
          "next_cursor": {"type": ["string", "null"], "description": "Pass as ?cursor= for the next page; null on the last page"}
        }
      },
      "Health": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string", "enum": ["ok"]}}
      },
      "Readiness": {
        "type": "object",
        "required": ["status", "checks"],
        "properties": {
          "status": {"type": "string", "enum": ["ready", "not_ready"]},
          "checks": {
            "type": "object",
            "description": "database and migrations, each {status: up|down, detail}",
            "additionalProperties": {
              "type": "object",
              "required": ["status", "detail"],
              "properties": {"status": {"type": "string", "enum": ["up", "down"]}, "detail": {"type": "string"}}
            }
          }
        }
      },
      "SLAReport": {
        "type": "object",
        "required": ["month", "source", "generated_at", "objectives", "maintenance"],
        "properties": {
          "month": {"type": "string"}, "source": {"type": "string"}, "generated_at": {"type": "string", "format": "date-time"},
          "maintenance": {"type": "array", "description": "maintenance windows overlapping the month", "items": {"$ref": "#/components/schemas/MaintenanceWindow"}},
          "objectives": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "description", "target", "good", "total", "compliant", "insufficient_samples", "excluded_minutes", "budget_consumed_ratio"],
            "properties": {
              "name": {"type": "string"}, "description": {"type": "string"}, "target": {"type": "number"},
              "good": {"type": "integer"}, "total": {"type": "integer"}, "value": {"type": "number"},
              "compliant": {"type": "boolean"}, "insufficient_samples": {"type": "boolean"}, "excluded_minutes": {"type": "integer"},
              "budget_consumed_ratio": {"type": "number"}
            }
          }}
        }
      },
      "MaintenanceInput": {
        "type": "object",
        "required": ["start", "end", "reason"],
        "properties": {
          "start": {"type": "string", "format": "date-time"}, "end": {"type": "string", "format": "date-time"},
          "reason": {"type": "string", "minLength": 1, "maxLength": 200}
        }
      },
      "MaintenanceWindow": {
        "type": "object",
        "required": ["id", "start", "end", "reason", "source"],
        "properties": {
          "id": {"type": "string"}, "start": {"type": "string", "format": "date-time"}, "end": {"type": "string", "format": "date-time"},
          "reason": {"type": "string"}, "source": {"type": "string", "enum": ["configuration", "api"]}
        }
      },
      "MaintenanceList": {
        "type": "object",
        "required": ["windows"],
        "properties": {"windows": {"type": "array", "items": {"$ref": "#/components/schemas/MaintenanceWindow"}}}
      },
      "DetailedHealth": {
        "type": "object",
        "required": ["status", "checked_at", "dependencies"],
        "properties": {
          "status": {"type": "string", "enum": ["ok", "degraded", "down"]},
          "checked_at": {"type": "string", "format": "date-time"},
          "dependencies": {"type": "object", "description": "database, queue, worker, sentry and prober", "additionalProperties": {
            "type": "object",
            "required": ["status", "detail"],
            "properties": {
              "status": {"type": "string", "enum": ["up", "down", "degraded", "stale", "pending", "disabled"]},
              "detail": {"type": "string"},
              "latency_ms": {"type": "number"}, "queued": {"type": "integer"}, "running": {"type": "integer"},
              "lag_seconds": {"type": "number", "description": "how long the oldest queued job has waited"},
              "heartbeat_age_seconds": {"type": "number"}, "sent": {"type": "integer"}, "failed_attempts": {"type": "integer"},
              "last_error": {"type": "string"}, "last_run_age_seconds": {"type": "number"},
              "checks_down": {"type": "array", "items": {"type": "string"}}
            }
          }}
        }
      },
      "SLAStatus": {
        "type": "object",
        "required": ["source", "generated_at", "objectives", "maintenance"],
        "properties": {
          "maintenance": {"type": "array", "description": "maintenance windows overlapping the 30-day budget window or still to come", "items": {"$ref": "#/components/schemas/MaintenanceWindow"}},
          "source": {"type": "string", "enum": ["local", "prometheus"], "description": "where the figures come from: local (this deployment's database) or prometheus (every replica's events, summed by the recording rules; LOOKOUT_SLA_PROMETHEUS_URL)"},
          "source_error": {"type": "string", "description": "why the configured Prometheus was not used (the figures are then local)"},
          "generated_at": {"type": "string", "format": "date-time"},
          "objectives": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "description", "target", "state", "windows", "error_budget", "burn_rates"],
            "properties": {
              "name": {"type": "string", "enum": ["request_availability", "error_rate", "latency", "availability"]},
              "description": {"type": "string"},
              "target": {"type": "number", "description": "share of good events required, e.g. 0.995"},
              "state": {"type": "string", "enum": ["ok", "at_risk", "breached"]},
              "windows": {"type": "array", "items": {
                "type": "object",
                "required": ["window", "good", "total", "compliant", "insufficient_samples", "excluded_minutes"],
                "properties": {
                  "window": {"type": "string", "description": "1h, 1d, 7d, 30d"},
                  "good": {"type": "integer"}, "total": {"type": "integer"},
                  "value": {"type": "number", "description": "good / total; absent without events"},
                  "compliant": {"type": "boolean"}, "insufficient_samples": {"type": "boolean"}, "excluded_minutes": {"type": "integer"}
                }
              }},
              "error_budget": {
                "type": "object",
                "required": ["allowed_bad_events", "bad_events", "consumed_ratio", "remaining_ratio", "remaining_events", "total_seconds", "remaining_seconds"],
                "properties": {
                  "allowed_bad_events": {"type": "number"}, "bad_events": {"type": "integer"}, "consumed_ratio": {"type": "number"},
                  "remaining_ratio": {"type": "number"}, "remaining_events": {"type": "number"}, "total_seconds": {"type": "number"},
                  "remaining_seconds": {"type": "number"}
                }
              },
              "burn_rates": {"type": "array", "items": {
                "type": "object", "required": ["window"],
                "properties": {"window": {"type": "string", "description": "5m, 1h, 6h, 3d"}, "rate": {"type": "number", "description": "observed bad share / allowed bad share; absent without events"}}
              }},
              "time_to_exhaustion_seconds": {"type": "number", "description": "at the 1 h burn rate; absent when nothing burns"}
            }
          }}
        }
      }
    },
    "responses": {
      "Problem": {"description": "A problem; see its type on /docs", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "TooManyRequests": {"description": "This client (or, for a login, this account) has made too many requests; wait Retry-After seconds (also retry_after_seconds in the problem). See docs/operations.md, Throttling.", "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "Overloaded": {"description": "Too many password hashes are queued in this process; retry after Retry-After seconds.", "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
      "NotModified": {"description": "The report has not changed since the ETag sent in If-None-Match (reports are computed at most every LOOKOUT_STATUS_CACHE_SECONDS; see docs/sla.md)"}
    }
  },
  "paths": {
    "/health": {
      "get": {"summary": "Liveness", "description": "200 while the process answers.", "operationId": "health", "tags": ["health"],
        "responses": {"200": {"description": "Alive", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}}}
    },
    "/health/ready": {
      "get": {"summary": "Readiness", "description": "200 when the database is reachable and migrations are applied; 503 otherwise, naming the failing check. The worker is not part of readiness (see /health/detailed).", "operationId": "ready", "tags": ["health"],
        "responses": {
          "200": {"description": "Ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}}},
          "503": {"description": "Not ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}}}
        }}
    },
    "/metrics": {
      "get": {"summary": "Prometheus metrics", "description": "The Prometheus text exposition (version 0.0.4), gzip-compressed when the scraper sends Accept-Encoding: gzip. Protected by a bearer token or basic auth when configured (LOOKOUT_METRICS_BEARER_TOKEN, LOOKOUT_METRICS_BASIC_AUTH). Every metric is described in docs/metrics.md.", "operationId": "metrics", "tags": ["observability"],
        "responses": {
          "200": {"description": "The exposition", "content": {"text/plain": {"schema": {"type": "string"}}}},
          "401": {"description": "Metrics are protected and the credentials are missing or wrong", "content": {"text/plain": {"schema": {"type": "string"}}}}
        }}
    },
    "/admin/crash": {
      "post": {"summary": "Crash the process on purpose", "description": "Admin API, served only with LOOKOUT_ADMIN_CRASH_ROUTE=true: traps the process, as a bug would, to check that crashes reach Sentry after the restart (docs/sentry.md, Crashes). There is no answer: the connection closes.", "operationId": "crash", "tags": ["observability"],
        "security": [{"admin": []}],
        "responses": {
          "401": {"$ref": "#/components/responses/Problem"}
        }}
    },
    "/sla/maintenance": {
      "get": {"summary": "Maintenance windows", "description": "Every planned maintenance window: the SLO file's (source configuration) and those declared through this API (source api). Their minutes are left out of every SLA window.", "operationId": "listMaintenance", "tags": ["observability"],
        "responses": {"200": {"description": "The windows, earliest first", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MaintenanceList"}}}}}},
      "post": {"summary": "Declare a maintenance window", "description": "Admin API: needs Authorization: Bearer <LOOKOUT_ADMIN_TOKEN>. At most 7 days long, starting within a year and at most 24 hours ago (a window declared late is left out retroactively; older ones would erase outages). Every change is kept in the audit trail.", "operationId": "addMaintenance", "tags": ["observability"],
        "security": [{"admin": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MaintenanceInput"}}}},
        "responses": {
          "201": {"description": "Declared", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MaintenanceWindow"}}}},
          "400": {"$ref": "#/components/responses/Problem"},
          "401": {"$ref": "#/components/responses/Problem"},
          "422": {"$ref": "#/components/responses/Problem"}
        }}
    },
    "/sla/maintenance/audit": {
      "get": {"summary": "Maintenance audit trail", "description": "Admin API. Every window declared or removed through the API, newest first, with when and by whom (the admin token, the client's address, the request id): a window's minutes leave the SLA, so every change is kept.", "operationId": "maintenanceAudit", "tags": ["observability"],
        "security": [{"admin": []}],
        "responses": {
          "200": {"description": "The changes", "content": {"application/json": {"schema": {"type": "object", "required": ["changes"], "properties": {"changes": {"type": "array", "items": {"type": "object", "required": ["at", "action", "window", "actor"], "properties": {"at": {"type": "string", "format": "date-time"}, "action": {"type": "string", "enum": ["added", "removed"]}, "window": {"$ref": "#/components/schemas/MaintenanceWindow"}, "actor": {"type": "string"}}}}}}}}},
          "401": {"$ref": "#/components/responses/Problem"}
        }}
    },
    "/sla/maintenance/{id}": {
      "delete": {"summary": "Remove a maintenance window", "description": "Admin API. Only windows declared through the API can be removed; the SLO file's are removed by editing it.", "operationId": "removeMaintenance", "tags": ["observability"],
        "security": [{"admin": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "204": {"description": "Removed"},
          "401": {"$ref": "#/components/responses/Problem"},
          "404": {"$ref": "#/components/responses/Problem"}
        }}
    },
    "/status": {
      "get": {"summary": "Status page", "description": "The public status page: each synthetic check's state and 90-day uptime bars, probe response times, the SLA table with the error budget, recent incidents. One self-contained HTML document (inline CSS and SVG, no script).", "operationId": "statusPage", "tags": ["observability"],
        "responses": {"200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "304": {"$ref": "#/components/responses/NotModified"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}}
    },
    "/health/detailed": {
      "get": {"summary": "Detailed health", "description": "Each dependency's state and latency: database, queue (depth and lag), worker heartbeat, Sentry transport, prober freshness and confirmed-down checks. 503 when the database or the queue cannot be read; 200 with status degraded when anything else is not up. For operators; route traffic on /health/ready.", "operationId": "healthDetailed", "tags": ["health"],
        "responses": {
          "200": {"description": "ok or degraded", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DetailedHealth"}}}},
          "503": {"description": "down", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DetailedHealth"}}}}
        }}
    },
    "/sla/status": {
      "get": {"summary": "SLA status", "description": "Each objective (request availability >= 99.5 %, error rate < 1 %, 95 % of requests within 1 s) over 1 h, 24 h, 7 d and 30 d: good and total counts, compliance, the 30-day error budget, burn rates over 5 m, 1 h, 6 h and 3 d, time to exhaustion and a state. See docs/sla.md.", "operationId": "slaStatus", "tags": ["observability"],
        "responses": {"200": {"description": "The status", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SLAStatus"}}}}, "304": {"$ref": "#/components/responses/NotModified"}, "429": {"$ref": "#/components/responses/TooManyRequests"}}}
    },
    "/sla/report": {
      "get": {"summary": "Monthly SLA report", "description": "Each objective over one UTC calendar month: good and total counts, the value, compliance and the share of the month's error budget consumed. See docs/sla.md.", "operationId": "slaReport", "tags": ["observability"],
        "parameters": [
          {"name": "month", "in": "query", "required": false, "description": "YYYY-MM; default: the current month", "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}},
          {"name": "format", "in": "query", "required": false, "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"}}
        ],
        "responses": {
          "200": {"description": "The report", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/SLAReport"}},
            "text/csv": {"schema": {"type": "string", "description": "header month,objective,target,good,total,value,compliant,insufficient_samples,excluded_minutes,budget_consumed_ratio; one line per objective"}}
          }},
          "304": {"$ref": "#/components/responses/NotModified"},
          "400": {"$ref": "#/components/responses/Problem"},
          "429": {"$ref": "#/components/responses/TooManyRequests"}
        }}
    },
    "/openapi.json": {
      "get": {"summary": "This document", "operationId": "openapi", "tags": ["docs"],
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}
    },
    "/docs": {
      "get": {"summary": "Human-readable API docs", "operationId": "docs", "tags": ["docs"],
        "responses": {"200": {"description": "A self-contained HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}}}
    },
    "/api/v1/users": {
      "post": {"summary": "Register", "description": "Creates a user with zero credits; sign in next with POST /api/v1/sessions. The answer is the same whether the address was new or already had an account (which stays unchanged; its owner is the one to be told), so registration does not reveal who has an account. Limited per client address (LOOKOUT_RATE_LIMIT_AUTH, shared with logins).", "operationId": "register", "tags": ["accounts"],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Credentials"}}}},
        "responses": {
          "202": {"description": "Accepted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Registration"}}}},
          "400": {"$ref": "#/components/responses/Problem"},
          "413": {"$ref": "#/components/responses/Problem"},
          "415": {"$ref": "#/components/responses/Problem"},
          "422": {"$ref": "#/components/responses/Problem"},
          "429": {"$ref": "#/components/responses/TooManyRequests"},
          "503": {"$ref": "#/components/responses/Overloaded"}
        }}
    },
    "/api/v1/sessions": {
      "delete": {"summary": "Log out everywhere", "description": "Ends every session of the token's user, this one included (after a token was stolen, say).", "operationId": "logoutEverywhere", "tags": ["accounts"], "security": [{"bearer": []}],
        "responses": {
          "204": {"description": "Every session is ended"},
          "401": {"$ref": "#/components/responses/Problem"}
        }},
      "post": {"summary": "Log in", "description": "Returns a bearer token valid for 24 hours; a user holds at most 10 live sessions (LOOKOUT_MAX_SESSIONS_PER_USER), a login beyond that ends the oldest. Limited per client address (LOOKOUT_RATE_LIMIT_AUTH) and, for failed attempts, per account (LOOKOUT_RATE_LIMIT_LOGIN_FAILURES): past that, even the right password gets 429 until Retry-After.", "operationId": "login", "tags": ["accounts"],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Credentials"}}}},
        "responses": {
          "201": {"description": "Logged in", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Session"}}}},
          "400": {"$ref": "#/components/responses/Problem"},
          "401": {"$ref": "#/components/responses/Problem"},
          "429": {"$ref": "#/components/responses/TooManyRequests"},
          "503": {"$ref": "#/components/responses/Overloaded"}
        }}
    },
    "/api/v1/sessions/current": {
      "delete": {"summary": "Log out", "description": "Ends the session of the token sent: it stops working at once on the replica that answers, and on every other within the session cache's 60 s.", "operationId": "logout", "tags": ["accounts"], "security": [{"bearer": []}],
        "responses": {
          "204": {"description": "The session is ended"},
          "401": {"$ref": "#/components/responses/Problem"}
        }}
    },
    "/api/v1/me": {
      "get": {"summary": "My profile and credit balance", "operationId": "me", "tags": ["accounts"], "security": [{"bearer": []}],
        "responses": {
          "200": {"description": "The caller", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}},
          "401": {"$ref": "#/components/responses/Problem"}
        }}
    },
    "/api/v1/payments": {
      "post": {"summary": "Buy credits", "description": "Charges the card through the payment provider. Idempotent per Idempotency-Key: a retry returns the same payment (200, Idempotent-Replayed: true) and never charges twice; a declined or failed payment answers the same problem on every retry.", "operationId": "createPayment", "tags": ["payments"], "security": [{"bearer": []}],
        "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PaymentRequest"}}}},
        "responses": {
          "201": {"description": "Approved; credits added", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Payment"}}}},
          "200": {"description": "Replay of an approved payment", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Payment"}}}},
          "400": {"$ref": "#/components/responses/Problem"},
          "401": {"$ref": "#/components/responses/Problem"},
          "402": {"$ref": "#/components/responses/Problem"},
          "409": {"$ref": "#/components/responses/Problem"},
          "422": {"$ref": "#/components/responses/Problem"},
          "502": {"$ref": "#/components/responses/Problem"},
          "504": {"$ref": "#/components/responses/Problem"}
        }}
    },
    "/api/v1/payments/{id}": {
      "get": {"summary": "A payment", "operationId": "getPayment", "tags": ["payments"], "security": [{"bearer": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "The payment", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Payment"}}}},
          "401": {"$ref": "#/components/responses/Problem"},
          "404": {"$ref": "#/components/responses/Problem"}
        }}
    },
    "/api/v1/generations": {
      "post": {"summary": "Submit a generation", "description": "Debits the kind's price and enqueues the job in one transaction. Poll the Location until status is succeeded or failed; a failed generation is refunded. With an Idempotency-Key, a retry of the same request returns the first submission (200, Idempotent-Replayed: true) and debits nothing; the same key with another prompt or kind is refused (422 idempotency-key-reused).", "operationId": "createGeneration", "tags": ["generations"], "security": [{"bearer": []}],
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": false, "description": "Optional; any unique string up to 255 printable ASCII characters. Retrying with it never submits twice.", "schema": {"type": "string", "minLength": 1, "maxLength": 255}}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GenerationRequest"}}}},
        "responses": {
          "200": {"description": "A replay: the generation first submitted with this Idempotency-Key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Generation"}}}},
          "202": {"description": "Accepted and queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Generation"}}}},
          "400": {"$ref": "#/components/responses/Problem"},
          "401": {"$ref": "#/components/responses/Problem"},
          "402": {"$ref": "#/components/responses/Problem"},
          "422": {"$ref": "#/components/responses/Problem"}
        }},
      "get": {"summary": "My generations", "description": "Newest first, paginated by cursor.", "operationId": "listGenerations", "tags": ["generations"], "security": [{"bearer": []}],
        "parameters": [
          {"name": "status", "in": "query", "required": false, "schema": {"type": "string", "enum": ["queued", "running", "succeeded", "failed"]}},
          {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
          {"name": "cursor", "in": "query", "required": false, "schema": {"type": "string"}, "description": "next_cursor of the previous page"}
        ],
        "responses": {
          "200": {"description": "A page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GenerationPage"}}}},
          "401": {"$ref": "#/components/responses/Problem"},
          "422": {"$ref": "#/components/responses/Problem"}
        }}
    },
    "/api/v1/generations/{id}": {
      "get": {"summary": "A generation and its result", "operationId": "getGeneration", "tags": ["generations"], "security": [{"bearer": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "The generation", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Generation"}}}},
          "401": {"$ref": "#/components/responses/Problem"},
          "404": {"$ref": "#/components/responses/Problem"}
        }}
    }
  }
}
"""#
}
