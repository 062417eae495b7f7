"""The stack a team would otherwise pick, for ./scripts/bench.sh: FastAPI with prometheus-fastapi-instrumentator and
sentry-sdk, serving the reference service's benchmarked routes with the same work per request.

- GET /health: {"status": "ok"}
- GET /api/v1/me: SHA-256 of the bearer token, one SQLite read (session joined with its user), the user as JSON
- POST /api/v1/generations: validates {prompt, kind}, takes the credits and queues the job in one transaction, 202
- anything else: FastAPI's own 404

Settings come from the environment: BENCH_DATABASE (the SQLite file, made by `python app.py seed FILE TOKEN`),
SENTRY_DSN (the harness points it at a closed local port, like Lookout's row), PROMETHEUS_MULTIPROC_DIR with
several workers. Run with uvicorn: `uvicorn app:app --workers N`.
"""
import datetime
import hashlib
import os
import sqlite3
import sys
import uuid

SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, credits INTEGER NOT NULL,
                                  created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
                                     expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS generations (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, kind TEXT NOT NULL,
                                        prompt TEXT NOT NULL, status TEXT NOT NULL, credit_cost INTEGER NOT NULL,
                                        created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, generation_id TEXT NOT NULL, status TEXT NOT NULL,
                                 attempts INTEGER NOT NULL, run_after TEXT NOT NULL);
"""
COSTS = {"image": 10, "text": 1}
MAX_PROMPT = 1000


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def seed(path, token, credits=10_000_000):
    """One user with `credits` and a session for `token`, valid for a day."""
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    expires = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).isoformat()
    db.execute("INSERT INTO users VALUES ('usr_bench', 'bench@example.com', ?, ?)", (credits, now()))
    db.execute("INSERT INTO sessions VALUES (?, 'usr_bench', ?)", (token_hash(token), expires))
    db.commit()
    db.close()


if __name__ == "__main__" and sys.argv[1:2] == ["seed"]:
    seed(sys.argv[2], sys.argv[3])
    sys.exit(0)

import sentry_sdk  # noqa: E402  (the seed command needs none of these)
from fastapi import FastAPI, Header, HTTPException  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from prometheus_fastapi_instrumentator import Instrumentator  # noqa: E402
from pydantic import BaseModel  # noqa: E402

sentry_sdk.init(dsn=os.environ.get("SENTRY_DSN"), traces_sample_rate=0.0, send_default_pii=False)
app = FastAPI()
Instrumentator().instrument(app).expose(app)
db = sqlite3.connect(os.environ["BENCH_DATABASE"], isolation_level=None)
db.execute("PRAGMA busy_timeout = 5000")


def user_for(authorization):
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(status_code=401, detail="missing bearer token")
    row = db.execute(
        "SELECT users.id, users.email, users.credits, users.created_at FROM sessions JOIN users ON users.id = sessions.user_id"
        " WHERE sessions.token_hash = ? AND sessions.expires_at > ?",
        (token_hash(authorization[7:]), datetime.datetime.now(datetime.timezone.utc).isoformat()),
    ).fetchone()
    if row is None:
        raise HTTPException(status_code=401, detail="invalid or expired token")
    return row


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/api/v1/me")
async def me(authorization: str | None = Header(default=None)):
    user_id, email, credits, created_at = user_for(authorization)
    return {"id": user_id, "email": email, "credits": credits, "created_at": created_at}


class GenerationRequest(BaseModel):
    prompt: str
    kind: str


@app.post("/api/v1/generations", status_code=202)
async def submit(request: GenerationRequest, authorization: str | None = Header(default=None)):
    user_id = user_for(authorization)[0]
    prompt = request.prompt.strip()
    if not prompt or len(request.prompt) > MAX_PROMPT or request.kind not in COSTS:
        raise HTTPException(status_code=422, detail="prompt must be 1-1000 characters and kind image or text")
    cost, stamp = COSTS[request.kind], now()
    generation = {"id": f"gen_{uuid.uuid4().hex}", "kind": request.kind, "prompt": request.prompt, "status": "queued",
                  "credit_cost": cost, "attempts": 0, "result": None, "failure_reason": None, "created_at": stamp,
                  "updated_at": stamp, "completed_at": None}
    db.execute("BEGIN IMMEDIATE")
    try:
        taken = db.execute("UPDATE users SET credits = credits - ? WHERE id = ? AND credits >= ?", (cost, user_id, cost))
        if taken.rowcount == 0:
            db.execute("ROLLBACK")
            raise HTTPException(status_code=402, detail="not enough credits")
        db.execute("INSERT INTO generations VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)",
                   (generation["id"], user_id, request.kind, request.prompt, cost, stamp, stamp))
        db.execute("INSERT INTO jobs VALUES (?, ?, 'queued', 0, ?)", (f"job_{uuid.uuid4().hex}", generation["id"], stamp))
        db.execute("COMMIT")
    except sqlite3.Error:
        db.execute("ROLLBACK")
        raise
    return JSONResponse(generation, status_code=202, headers={"Location": f"/api/v1/generations/{generation['id']}"})
