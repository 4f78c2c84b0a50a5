// /chat of the peer: what the benchmark's chat scenario uses, `join` and
// `message` with acks, the broadcast to the room and the per-user rate
// limit of the contract (sliding window; refused messages do not count).
// Messages live in memory (the last 50 per room, for the join ack): no
// database, no presence, no mentions, no client_id de-duplication.
import { WireError, fields, serve } from "./wire.mjs";

const ROOM = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const KEEP = 50; // messages a join ack carries
const MAX_TEXT = 2000;

/**
 * Attach /chat to `namespace`, with a rate limit of `limit.messages` per
 * `limit.windowMs` per user.
 */
export function attachChat(namespace, limit) {
  const rooms = new Map(); // room -> its last KEEP messages
  const sentAt = new Map(); // user id -> times of its accepted messages in the window
  let lastId = 0;

  function join(socket, payload) {
    const { room } = fields(payload, ["room"]);
    if (typeof room !== "string" || !ROOM.test(room)) {
      throw new WireError("bad_request", "room must match ^[a-z0-9][a-z0-9_-]{0,31}$");
    }
    socket.join(`room:${room}`);
    if (!rooms.has(room)) rooms.set(room, []);
    const ids = namespace.adapter.rooms.get(`room:${room}`) ?? new Set();
    const members = new Set([...ids].map((id) => namespace.sockets.get(id)?.data.user.username));
    members.delete(undefined);
    return { ok: true, room, members: [...members], messages: rooms.get(room) };
  }

  function withinLimit(userId, now) {
    const times = (sentAt.get(userId) ?? []).filter((t) => t > now - limit.windowMs);
    sentAt.set(userId, times);
    if (times.length >= limit.messages) return false;
    times.push(now);
    return true;
  }

  function message(socket, payload) {
    const { room, text, client_id: clientId = null } = fields(payload, ["room", "text", "client_id"]);
    if (typeof room !== "string" || !socket.rooms.has(`room:${room}`)) {
      throw new WireError("forbidden", "join the room first");
    }
    if (typeof text !== "string" || !text.trim()) {
      throw new WireError("bad_request", "text must be a non-empty string");
    }
    if (text.trim().length > MAX_TEXT) throw new WireError("too_large", `at most ${MAX_TEXT} characters`);
    if (clientId !== null && (typeof clientId !== "string" || !clientId || clientId.length > 64)) {
      throw new WireError("bad_request", "client_id must be 1-64 characters");
    }
    const { user } = socket.data;
    const now = Date.now();
    if (!withinLimit(user.id, now)) throw new WireError("rate_limited", "too many messages");
    const stored = { id: ++lastId, room, user: user.username, text: text.trim(), ts: now, client_id: clientId };
    const kept = rooms.get(room);
    kept.push(stored);
    if (kept.length > KEEP) kept.shift();
    namespace.to(`room:${room}`).emit("message", stored);
    return { ok: true, message: stored };
  }

  namespace.on("connection", (socket) => {
    serve(socket, { join, message });
  });
}
