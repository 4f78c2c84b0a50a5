// Helpers every role of the load generator shares: latency histograms,
// JSON lines on stdout, commands on stdin, bounded connection waves.
import { createInterface } from "node:readline";
import { io } from "socket.io-client";

/** Milliseconds since the epoch with sub-millisecond resolution. */
export function nowMs() {
  return performance.timeOrigin + performance.now();
}

/** Resolve after `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A latency histogram with 0.1 ms buckets up to 60 s: constant memory
 * however many samples, exact enough for p50/p99.
 */
export class Histogram {
  constructor(limitMs = 60_000, resolutionMs = 0.1) {
    this.resolution = resolutionMs;
    this.buckets = new Uint32Array(Math.ceil(limitMs / resolutionMs) + 1);
    this.count = 0;
    this.max = 0;
    this.min = Infinity;
    this.sum = 0;
  }

  /** Record one sample. */
  add(ms) {
    const value = ms < 0 ? 0 : ms; // clocks are the same; a negative is rounding
    const index = Math.min(this.buckets.length - 1, Math.floor(value / this.resolution));
    this.buckets[index]++;
    this.count++;
    this.sum += value;
    if (value > this.max) this.max = value;
    if (value < this.min) this.min = value;
  }

  /** The value below which `q` (0..1) of the samples fall, or null when empty. */
  quantile(q) {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= rank) return round(Math.min((i + 1) * this.resolution, this.max));
    }
    return round(this.max);
  }

  /** The non-empty buckets as [[index, count], ...], so the driver can merge processes. */
  sparse() {
    const buckets = [];
    this.buckets.forEach((count, index) => {
      if (count) buckets.push([index, count]);
    });
    return { resolution_ms: this.resolution, max_ms: round(this.max), buckets };
  }

  /** The summary every result reports, with the sparse buckets for merging. */
  summary() {
    return {
      histogram: this.sparse(),
      count: this.count,
      p50_ms: this.quantile(0.5),
      p90_ms: this.quantile(0.9),
      p99_ms: this.quantile(0.99),
      max_ms: this.count ? round(this.max) : null,
      mean_ms: this.count ? round(this.sum / this.count) : null,
    };
  }
}

export function round(value, digits = 2) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * Print one JSON line for the driver; resolves once it is handed to the OS
 * (a pipe write is asynchronous: exiting before that would cut the line).
 */
export function report(type, body) {
  return new Promise((resolve) => {
    process.stdout.write(`${JSON.stringify({ type, ...body })}\n`, () => resolve());
  });
}

/**
 * Call `onCommand(object)` for each JSON line the driver writes on stdin;
 * call `onClose()` when stdin ends (the driver went away: stop at once).
 */
export function readCommands(onCommand, onClose) {
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (!line.trim()) return;
    try {
      onCommand(JSON.parse(line));
    } catch (error) {
      report("error", { message: `bad command ${line}: ${error.message}` });
    }
  });
  lines.on("close", onClose);
}

/**
 * Exit whatever happens after `seconds`: the generator must end by itself
 * even if the server never answers. `finish` gets one chance to report.
 */
export function hardDeadline(seconds, finish) {
  const timer = setTimeout(async () => {
    report("error", { message: `hard deadline of ${seconds}s reached` });
    try {
      await Promise.race([finish("deadline"), sleep(5_000)]);
    } finally {
      process.exit(3);
    }
  }, seconds * 1000);
  timer.unref();
}

/**
 * Open one Socket.IO client on `namespace`, WebSocket only, no reconnection
 * (a drop must show up as a drop), then `await prepare(socket)` (listen,
 * subscribe, join). Resolves with the socket; on any failure it is closed.
 */
export async function openSocket(config, namespace, token, index, prepare) {
  const options = {
    transports: ["websocket"],
    auth: { token },
    reconnection: false,
    forceNew: true,
    timeout: (config.connect_timeout_s ?? 30) * 1000,
    // Browsers always offer permessage-deflate; the driver can turn it off.
    perMessageDeflate: config.deflate === false ? false : { threshold: 1024 },
  };
  const addresses = config.local_addresses;
  if (addresses && addresses.length) options.localAddress = addresses[index % addresses.length];
  const socket = io(`${config.url}${namespace}`, options);
  try {
    await new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    await prepare(socket);
    return socket;
  } catch (error) {
    socket.close();
    throw error;
  }
}

/** Emit with an ack and a timeout; resolve the ack, reject on timeout or {ok:false}. */
export async function request(socket, event, data, timeoutS = 30) {
  const ack = await socket.timeout(timeoutS * 1000).emitWithAck(event, data);
  if (!ack || ack.ok !== true) {
    throw new Error(`${event} refused: ${JSON.stringify(ack)}`);
  }
  return ack;
}

/** What a role reports on its connections in "ready" and again in "result". */
export function connections(sockets, waves) {
  return {
    connected: sockets.length,
    connect_failures: waves.failures,
    connect_seconds: round(waves.seconds, 3),
  };
}

/**
 * Run `open(index)` for `count` indexes with at most `concurrency` in flight.
 * Returns {opened: [...results], failures: {message: count}, seconds}.
 */
export async function inWaves(count, concurrency, open) {
  const opened = new Array(count);
  const failures = {};
  let next = 0;
  const started = nowMs();
  async function lane() {
    while (next < count) {
      const index = next++;
      try {
        opened[index] = await open(index);
      } catch (error) {
        const message = String(error?.message ?? error).slice(0, 120);
        failures[message] = (failures[message] ?? 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { opened: opened.filter(Boolean), failures, seconds: (nowMs() - started) / 1000 };
}
