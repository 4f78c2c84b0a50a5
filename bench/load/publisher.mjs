// The "publisher" role: POST points into streams at a fixed rate for a fixed
// time. Each point is [now_ms, seq] with seq counting from 0 per stream, so
// subscribers can check order and loss and time publish -> receipt.
// Batches to one stream go one request at a time, so they reach the hub in order.
// With `server_time`, each point is its own POST {value: seq} and the server
// stamps it with its own clock (the contract's {value} form), so latency
// starts at the server; otherwise points are batched with the publisher's t.
import { Histogram, nowMs, report, round, sleep } from "./common.mjs";

const MAX_POINTS_PER_REQUEST = 10_000; // the server's own cap

async function post(config, stream, body) {
  const response = await fetch(`${config.url}/api/streams/${stream}/points`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${config.token}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  if (response.status !== 202) throw new Error(`HTTP ${response.status}`);
}

export async function runPublisher(config) {
  const { streams, rate } = config; // rate: points per second per stream
  const intervalMs = config.interval_ms ?? 20;
  const total = Math.round(rate * config.duration_s);
  const sent = Object.fromEntries(streams.map((name) => [name, 0]));
  const failures = {};
  const requestTimes = new Histogram();
  let requests = 0;
  const started = nowMs();
  const hardStop = started + (config.duration_s + (config.grace_s ?? 10)) * 1000;

  // Batches: one request per stream at a time, so a stream's points stay in
  // order. Server-stamped: one point per request, several in flight, so a
  // slow answer does not hold the rate down (subscribers accept any order).
  const maxInFlight = config.server_time ? (config.max_in_flight ?? 16) : 1;
  const inFlight = Object.fromEntries(streams.map((name) => [name, new Set()]));

  async function send(stream, first, count) {
    const t = Date.now();
    const body = config.server_time
      ? { value: first }
      : { points: Array.from({ length: count }, (_, i) => [t, first + i]) };
    const begun = nowMs();
    try {
      await post(config, stream, body);
      return true;
    } catch (error) {
      const message = String(error?.message ?? error).slice(0, 120);
      failures[message] = (failures[message] ?? 0) + 1;
      return false;
    } finally {
      requests++;
      requestTimes.add(nowMs() - begun);
    }
  }

  function launchDue(stream) {
    const due = Math.min(total, Math.floor(((nowMs() - started) / 1000) * rate) + 1);
    const pending = inFlight[stream];
    while (sent[stream] < due && pending.size < maxInFlight) {
      const count = config.server_time ? 1 : Math.min(due - sent[stream], MAX_POINTS_PER_REQUEST);
      const first = sent[stream];
      const request = send(stream, first, count).then((ok) => {
        pending.delete(request);
        // A refused batch is sent again (its seqs stay in order); a refused
        // single point is left out and the subscribers count it as lost.
        if (!ok && !config.server_time) sent[stream] = Math.min(sent[stream], first);
      });
      pending.add(request);
      sent[stream] += count;
    }
  }

  for (let tick = 0; nowMs() < hardStop; tick++) {
    if (streams.every((name) => sent[name] >= total && inFlight[name].size === 0)) break;
    streams.forEach(launchDue);
    if (maxInFlight === 1) await Promise.all(streams.flatMap((name) => [...inFlight[name]]));
    const wait = started + (tick + 1) * intervalMs - nowMs();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(streams.flatMap((name) => [...inFlight[name]]));
  const seconds = (nowMs() - started) / 1000;
  const published = Object.values(sent).reduce((a, b) => a + b, 0);
  await report("result", {
    role: "publisher",
    sent,
    target_per_stream: total,
    requests,
    failures,
    seconds: round(seconds, 3),
    points_per_s: round(published / Math.max(seconds, 0.001), 1),
    request_latency: requestTimes.summary(),
  });
  process.exit(0); // do not wait for idle keep-alive sockets
}
