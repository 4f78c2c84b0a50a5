// The "chat" role: users on /chat spread over rooms, each sending one message
// per interval. Reports the ack round trip (send -> ack) and the broadcast
// latency (send -> receipt by the other members), and counts every message
// each other member of the room should have received.
//
// Each user keeps to the server's rate limit (config.rate_limit: at most
// `messages` per `window_ms`) as a well-behaved client does: a message goes
// no earlier than one window after the ack of the message `messages` before
// it. At one message per second against "10 in 10 s" the schedule sits
// exactly on the limit, so without this any jitter on the way in was
// answered `rate_limited`.
import {
  Histogram, connections, hardDeadline, inWaves, nowMs, openSocket, readCommands, report, request,
  round, sleep,
} from "./common.mjs";

export async function runChat(config) {
  const users = config.users; // [{token, username}]
  const intervalMs = config.interval_ms ?? 1000;
  const perUser = Math.floor((config.duration_s * 1000) / intervalMs);
  const ackLatency = new Histogram();
  const deliveryLatency = new Histogram();
  const members = new Map(); // room -> sockets joined
  const sendTimes = new Map(); // client_id -> ms
  const refused = {};
  const stats = {
    sent: 0, acked: 0, expected: 0, received: 0, selfEcho: 0, duplicates: 0, disconnects: 0,
  };
  let waves = { failures: {}, seconds: 0 }; // how connecting went, once it is over
  let sendSeconds = 0;
  let finished = false;
  const sockets = [];

  const roomOf = (index) => `bench-${index % config.rooms}`;

  async function openOne(index) {
    const room = roomOf(index);
    const own = `${index}-`; // the client_id prefix of this user's messages
    const seen = new Set();
    const socket = await openSocket(config, "/chat", users[index].token, index, (client) => {
      client.on("message", (message) => {
        const sentAt = sendTimes.get(message?.client_id);
        if (sentAt === undefined) return;
        if (seen.has(message.id)) {
          stats.duplicates++;
          return;
        }
        seen.add(message.id);
        if (message.client_id.startsWith(own)) {
          stats.selfEcho++;
          return;
        }
        stats.received++;
        deliveryLatency.add(nowMs() - sentAt);
      });
      return request(client, "join", { room });
    });
    socket.on("disconnect", () => {
      if (!finished) stats.disconnects++;
    });
    if (!members.has(room)) members.set(room, []);
    members.get(room).push(socket);
    sockets.push(socket);
    return { socket, index, room };
  }

  async function send(user, k) {
    const clientId = `${user.index}-${k}`;
    const sentAt = nowMs();
    sendTimes.set(clientId, sentAt);
    stats.sent++;
    let ack;
    try {
      ack = await user.socket.timeout(30_000).emitWithAck("message", {
        room: user.room, text: `bench message ${k} from user ${user.index}`, client_id: clientId,
      });
    } catch {
      ack = { ok: false, error: { code: "timeout" } };
    }
    ackLatency.add(nowMs() - sentAt);
    if (ack?.ok) {
      stats.acked++;
      stats.expected += members.get(user.room).length - 1;
    } else {
      const code = ack?.error?.code ?? "malformed";
      refused[code] = (refused[code] ?? 0) + 1;
    }
  }

  async function talk(user) {
    const phase = Math.random() * intervalMs; // spread senders over the interval
    const start = nowMs() + phase;
    const limit = config.rate_limit ?? { messages: Infinity, window_ms: 0 };
    const ackedAt = [];
    for (let k = 0; k < perUser; k++) {
      const allowedAt = k >= limit.messages ? ackedAt[k - limit.messages] + limit.window_ms : 0;
      const due = Math.max(start + k * intervalMs, allowedAt);
      while (nowMs() < due) await sleep(due - nowMs()); // timers may fire a little early
      await send(user, k);
      ackedAt.push(nowMs());
    }
  }

  async function finish(why) {
    if (finished) return;
    finished = true;
    await report("result", {
      role: "chat",
      why,
      users: users.length,
      rooms: config.rooms,
      ...connections(sockets, waves),
      still_connected: sockets.filter((socket) => socket.connected).length,
      disconnects: stats.disconnects,
      messages_per_user: perUser,
      sent: stats.sent,
      acked: stats.acked,
      refused,
      expected_deliveries: stats.expected,
      received: stats.received,
      self_echo: stats.selfEcho,
      duplicates: stats.duplicates,
      lost: Math.max(0, stats.expected - stats.received),
      send_seconds: round(sendSeconds, 3),
      messages_per_s: round(stats.acked / Math.max(sendSeconds, 0.001), 1),
      deliveries_per_s: round(stats.received / Math.max(sendSeconds, 0.001), 1),
      ack_latency: ackLatency.summary(),
      delivery_latency: deliveryLatency.summary(),
    });
    for (const socket of sockets) socket.close();
  }

  hardDeadline(config.deadline_s ?? 180, finish);
  readCommands(() => {}, async () => {
    await finish("stdin closed");
    process.exit(0);
  });

  waves = await inWaves(users.length, config.connect_concurrency ?? 50, openOne);
  report("ready", connections(sockets, waves));

  const started = nowMs();
  await Promise.all(waves.opened.map(talk));
  sendSeconds = (nowMs() - started) / 1000;
  const drainUntil = nowMs() + (config.drain_s ?? 5) * 1000;
  while (stats.received < stats.expected && nowMs() < drainUntil) await sleep(50);
  await finish(stats.received >= stats.expected ? "complete" : "drain timeout");
  process.exit(0);
}
