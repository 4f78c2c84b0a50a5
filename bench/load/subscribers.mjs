// The "subscribers" role: N clients on /charts, each subscribed to the same
// streams, checking that every published point arrives once and in order and
// timing publish -> receipt. Used by the fan-out, saturation and capacity
// scenarios.
//
// Points carry [t_ms, seq]: the publish time and a sequence number from 0;
// negative values are priming points and are ignored. With `per_client`, client
// i subscribes to that many of the streams only (i * per_client, the next
// ones, wrapping), so clients spread over many streams. Arrival order is not
// assumed (a publisher may have several requests in flight): each client
// keeps the contiguous prefix it has plus the few seqs that came early.
import {
  Histogram, connections, hardDeadline, inWaves, nowMs, openSocket, readCommands, report, request,
  round, sleep,
} from "./common.mjs";

export async function runSubscribers(config) {
  const streams = config.streams;
  const streamIndex = new Map(streams.map((name, i) => [name, i]));
  const latency = new Histogram();
  const sockets = [];
  // Per (client, stream) cell: every seq below low[cell] has arrived, and
  // early[cell] holds the ones above it that arrived out of order.
  const low = new Int32Array(config.clients * streams.length);
  const early = new Map();
  const counters = { frames: 0, points: 0, duplicates: 0, disconnects: 0 };
  const unique = (cell) => low[cell] + (early.get(cell)?.size ?? 0);
  const perClient = Math.min(config.per_client ?? streams.length, streams.length);
  // The stream indexes client `index` subscribes to (`index_offset`: this
  // process's first client among all the scenario's processes).
  const mine = (index) => Array.from({ length: perClient },
    (_, j) => ((index + (config.index_offset ?? 0)) * perClient + j) % streams.length);
  const subscribed = []; // slot -> its stream indexes
  const disconnectReasons = {};
  let firstReceipt = null;
  let lastReceipt = null;
  let finished = false;
  let waves = { failures: {}, seconds: 0 }; // how connecting went, once it is over

  function onPoints(slot, frame) {
    const receivedAt = Date.now();
    const s = streamIndex.get(frame?.stream);
    if (s === undefined || !Array.isArray(frame.points)) return;
    const cell = slot * streams.length + s;
    let real = 0;
    for (const [t, seq] of frame.points) {
      if (seq < 0) continue;
      real++;
      latency.add(receivedAt - t);
      const ahead = early.get(cell);
      if (seq < low[cell] || ahead?.has(seq)) counters.duplicates++;
      else if (seq === low[cell]) {
        low[cell]++;
        while (ahead?.delete(low[cell])) low[cell]++;
      } else if (ahead) ahead.add(seq);
      else early.set(cell, new Set([seq]));
    }
    if (real === 0) return;
    counters.frames++;
    counters.points += real;
    firstReceipt ??= receivedAt;
    lastReceipt = receivedAt;
  }

  async function openOne(index) {
    let slot = -1; // counted only once every subscription is acknowledged
    const socket = await openSocket(config, "/charts", config.token, index, async (client) => {
      client.on("points", (frame) => {
        if (slot >= 0) onPoints(slot, frame);
      });
      for (const s of mine(index)) await request(client, "subscribe", { stream: streams[s] });
    });
    socket.on("disconnect", (reason) => {
      if (finished) return;
      counters.disconnects++;
      disconnectReasons[reason] = (disconnectReasons[reason] ?? 0) + 1;
    });
    slot = sockets.length;
    sockets.push(socket);
    subscribed.push(mine(index));
    return socket;
  }

  async function finish(why, expectedCounts = null) {
    if (finished) return;
    finished = true;
    let lostAtEnd = 0;
    let complete = 0;
    if (expectedCounts) {
      for (let slot = 0; slot < sockets.length; slot++) {
        let done = true;
        subscribed[slot].forEach((s) => {
          const name = streams[s];
          const missing = (expectedCounts[name] ?? 0) - unique(slot * streams.length + s);
          if (missing > 0) {
            lostAtEnd += missing; // never arrived before the drain ended
            done = false;
          }
        });
        if (done) complete++;
      }
    }
    const windowS = firstReceipt === null ? 0 : Math.max(0.001, (lastReceipt - firstReceipt) / 1000);
    await report("result", {
      role: "subscribers",
      why,
      ...connections(sockets, waves),
      still_connected: sockets.filter((socket) => socket.connected).length,
      disconnects: counters.disconnects,
      disconnect_reasons: disconnectReasons,
      frames: counters.frames,
      points: counters.points,
      clients_complete: complete,
      lost: lostAtEnd,
      duplicates: counters.duplicates,
      window_s: round(windowS, 3),
      latency: latency.summary(),
    });
    for (const socket of sockets) socket.close();
  }

  hardDeadline(config.deadline_s ?? 120, finish);
  let stopping = false;
  readCommands(async (command) => {
    if (command.cmd !== "expect" || stopping) return;
    stopping = true;
    const drainUntil = nowMs() + (command.drain_s ?? 5) * 1000;
    const counts = command.counts ?? {};
    const allThere = () => sockets.every((_, slot) => subscribed[slot].every(
      (s) => unique(slot * streams.length + s) >= (counts[streams[s]] ?? 0)));
    while (!allThere() && nowMs() < drainUntil) await sleep(50);
    await finish(allThere() ? "complete" : "drain timeout", counts);
    process.exit(0);
  }, async () => {
    await finish("stdin closed");
    process.exit(0);
  });

  waves = await inWaves(config.clients, config.connect_concurrency ?? 100, openOne);
  report("ready", connections(sockets, waves));
}
