// The "lineprotocol" role: POST InfluxDB line protocol to /api/write at a fixed
// rate of lines for a fixed time, as Telegraf's outputs.http does: batches of
// `batch_lines` lines over every series, each line `<head> <field>=<seq> <t_ms>`.
// Each series' fields count seq from 0 (one per line of that series), so the
// subscribers role checks order, loss and publish -> receipt on the streams
// the server makes of them. Every line of a batch is stamped with the time
// the batch is built (precision=ms): latency starts when the batch leaves.
// Publishing stops at `duration_s` whatever is still due (bounded time); a
// batch refused or failed is not sent again (its points count as lost).
import { Histogram, nowMs, report, round, sleep } from "./common.mjs";

async function post(config, body) {
  const query = new URLSearchParams({ precision: "ms", prefix: config.prefix });
  const response = await fetch(`${config.url}/api/write?${query}`, {
    method: "POST",
    headers: { "Content-Type": "text/plain; charset=utf-8", Authorization: `Bearer ${config.token}` },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  const reply = await response.json().catch(() => ({}));
  if (response.status !== 202) {
    throw new Error(`HTTP ${response.status} ${reply?.error?.code ?? ""}`.trim());
  }
  return reply;
}

export async function runLineProtocol(config) {
  // series: [{head: "cpu,cpu=cpu0,host=h01", fields: [[key, suffix, stream]]}]
  const { series, rate } = config; // rate: lines per second, all series together
  const batchLines = config.batch_lines ?? 5000;
  const maxInFlight = config.max_in_flight ?? 2;
  const totalBatches = Math.max(1, Math.round((rate * config.duration_s) / batchLines));
  const seq = new Array(series.length).fill(0);
  const sent = {}; // stream -> points sent (what every subscriber of it must get)
  for (const s of series) for (const [, , stream] of s.fields) sent[stream] = 0;
  const failures = {};
  const requestTimes = new Histogram();
  const inFlight = new Set();
  const stats = { batches: 0, lines: 0, accepted: 0, points: 0, bytes: 0 };
  let cursor = 0; // the next series, round robin: a batch holds every series in turn
  const started = nowMs();
  const stopAt = started + config.duration_s * 1000;

  function build() {
    const t = Date.now();
    const lines = new Array(batchLines);
    const counts = new Map(); // series index -> lines of it in this batch
    for (let i = 0; i < batchLines; i++) {
      const index = cursor;
      cursor = (cursor + 1) % series.length;
      const s = series[index];
      const value = seq[index]++;
      counts.set(index, (counts.get(index) ?? 0) + 1);
      const fields = s.fields.map(([key, suffix]) => `${key}=${value}${suffix}`).join(",");
      lines[i] = `${s.head} ${fields} ${t}`;
    }
    return { body: lines.join("\n") + "\n", counts };
  }

  async function send() {
    const { body, counts } = build();
    stats.batches++;
    stats.lines += batchLines;
    stats.bytes += body.length;
    // Counted whatever the answer: a refused batch's points are then lost.
    for (const [index, n] of counts) {
      for (const [, , stream] of series[index].fields) sent[stream] += n;
    }
    const begun = nowMs();
    try {
      const reply = await post(config, body);
      stats.accepted += reply.accepted_lines ?? 0;
      stats.points += reply.points ?? 0;
    } catch (error) {
      const message = String(error?.message ?? error).slice(0, 120);
      failures[message] = (failures[message] ?? 0) + 1;
    } finally {
      requestTimes.add(nowMs() - begun);
    }
  }

  while (nowMs() < stopAt && stats.batches < totalBatches) {
    const due = Math.min(totalBatches,
      Math.floor(((nowMs() - started) / 1000) * (rate / batchLines)) + 1);
    while (stats.batches < due && inFlight.size < maxInFlight) {
      const request = send().then(() => inFlight.delete(request));
      inFlight.add(request);
    }
    if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    else await sleep(Math.max(1, started + (due * batchLines * 1000) / rate - nowMs()));
  }
  await Promise.all(inFlight);
  const seconds = (nowMs() - started) / 1000;
  await report("result", {
    role: "lineprotocol",
    sent,
    due_lines: Math.round(rate * config.duration_s),
    batches: stats.batches,
    lines: stats.lines,
    accepted_lines: stats.accepted,
    points: stats.points,
    body_mb: round(stats.bytes / 2 ** 20, 1),
    failures,
    seconds: round(seconds, 3),
    lines_per_s: round(stats.accepted / Math.max(seconds, 0.001), 1),
    request_latency: requestTimes.summary(),
  });
  process.exit(0); // do not wait for idle keep-alive sockets
}
