// The benchmark's peer: a node socket.io 4.8 server with the subset of
// Pulseboard's contract that bench/load uses, written as a node developer
// would (node:http + socket.io, state in memory, one emit per publish).
//
//   node peer/server.mjs --port 5001 [--rate-messages 10 --rate-window-ms 10000]
//                        [--parent PID] [--users users.json]
//
// REST: POST /api/auth/register, POST /api/streams/<name>/points, GET /api/health.
// Socket.IO: /charts (subscribe, unsubscribe, streams; `points` frames) and
// /chat (join, message; `message` broadcasts); both refuse a socket without a
// valid `auth.token` (connect_error "unauthorized"). Listens on 127.0.0.1
// only, and exits when the process that started it (--parent, by default
// its parent at start) is gone.
import { randomBytes, randomUUID, scrypt } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Server } from "socket.io";
import { attachCharts } from "./charts.mjs";
import { attachChat } from "./chat.mjs";
import { WireError, failure, fields } from "./wire.mjs";

const MAX_BODY = 4 * 2 ** 20; // 10,000 points fit easily
const USERNAME = /^[A-Za-z0-9_-]{3,32}$/;
const STATUS = { bad_request: 400, unauthorized: 401, forbidden: 403, not_found: 404, too_large: 413 };
const VERSION = JSON.parse(
  readFileSync(new URL("../node_modules/socket.io/package.json", import.meta.url)),
).version;

const { values: options } = parseArgs({
  options: {
    port: { type: "string", default: "5001" },
    "rate-messages": { type: "string", default: "10" },
    "rate-window-ms": { type: "string", default: "10000" },
    parent: { type: "string" }, // the pid of the process that started us
    users: { type: "string" }, // a JSON file of [{username, token}] to start with
  },
});

const users = new Map(); // username -> {id, username, salt, hash}
const tokens = new Map(); // token -> {id, username}
let lastUserId = 0;

// The chat scenario's users, given up front as Pulseboard gets a prepared
// database: no password hashing (and its memory) in the process measured.
// They have no password, so they can only use their token.
for (const { username, token } of options.users ? JSON.parse(readFileSync(options.users)) : []) {
  const user = { id: ++lastUserId, username };
  users.set(username, { ...user, salt: null, hash: null });
  tokens.set(token, user);
}

function hashPassword(password, salt) {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 32, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

async function register(body) {
  const { username, password } = fields(body, ["username", "password"]);
  if (typeof username !== "string" || !USERNAME.test(username)) {
    throw new WireError("bad_request", "username: 3-32 of A-Z a-z 0-9 _ -");
  }
  if (typeof password !== "string" || password.length < 8 || password.length > 128) {
    throw new WireError("bad_request", "password: 8-128 characters");
  }
  if (users.has(username)) throw new WireError("bad_request", `username ${username} is taken`);
  // Claim the name and the id before hashing: registrations run concurrently.
  const user = { id: ++lastUserId, username };
  const salt = randomBytes(16);
  users.set(username, { ...user, salt, hash: null });
  users.get(username).hash = await hashPassword(password, salt);
  const token = randomUUID();
  tokens.set(token, user);
  return { status: 201, body: { token, user } };
}

function bearer(request) {
  const header = request.headers.authorization ?? "";
  const user = header.startsWith("Bearer ") ? tokens.get(header.slice(7)) : undefined;
  if (!user) throw new WireError("unauthorized", "a valid Bearer token is required");
  return user;
}

function readJson(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new WireError("too_large", "request body too large"));
      else chunks.push(chunk);
    });
    request.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString() || "null"));
      } catch {
        reject(new WireError("bad_request", "the body is not JSON"));
      }
    });
    request.on("error", reject);
  });
}

/** The REST routes: `{status, body}` for one request, or a WireError. */
async function route(request) {
  const { pathname } = new URL(request.url, "http://peer");
  const streamPoints = pathname.match(/^\/api\/streams\/([^/]+)\/points$/);
  if (request.method === "GET" && pathname === "/api/health") {
    return { status: 200, body: { status: "ok", server: "node socket.io peer", version: VERSION } };
  }
  if (request.method === "POST" && pathname === "/api/auth/register") {
    return register(await readJson(request));
  }
  if (request.method === "POST" && streamPoints) {
    bearer(request);
    let name;
    try {
      name = decodeURIComponent(streamPoints[1]);
    } catch {
      throw new WireError("bad_request", "the stream name is not valid URL encoding");
    }
    return publish(name, await readJson(request));
  }
  throw new WireError("not_found", `no route ${request.method} ${pathname}`);
}

/** Answer one REST request; socket.io has already taken its own /socket.io/ ones. */
async function handle(request, response) {
  let answer;
  try {
    answer = await route(request);
  } catch (error) {
    const known = error instanceof WireError;
    if (!known) console.error(request.method, request.url, error);
    const code = known ? error.code : "internal";
    answer = { status: STATUS[code] ?? 500, body: failure(code, known ? error.message : "internal error") };
  }
  response.writeHead(answer.status, { "Content-Type": "application/json" });
  response.end(JSON.stringify(answer.body));
}

const httpServer = createServer(handle);
const io = new Server(httpServer, { serveClient: false });

for (const name of ["/charts", "/chat"]) {
  io.of(name).use((socket, next) => {
    const user = tokens.get(socket.handshake.auth?.token);
    if (!user) return next(new Error("unauthorized"));
    socket.data.user = user;
    return next();
  });
}
const publish = attachCharts(io.of("/charts"));
attachChat(io.of("/chat"), {
  messages: Number(options["rate-messages"]), windowMs: Number(options["rate-window-ms"]),
});

// The driver is gone (even killed before this line ran): so are we.
const parent = Number(options.parent ?? process.ppid);
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();

httpServer.listen(Number(options.port), "127.0.0.1", () => {
  console.log(`peer: socket.io ${VERSION} on http://127.0.0.1:${options.port}`);
});
