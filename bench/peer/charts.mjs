// /charts of the peer: published streams only (no built-in producers).
// A stream is a room; each publish is ONE emit of its points to that room,
// at once, with no batching per tick: what a node developer writes first.
import { WireError, fields, serve } from "./wire.mjs";

const WINDOW = 600; // recent points a subscriber gets in its ack
const MAX_POINTS = 10_000; // per request, as Pulseboard
const MAX_STREAMS = 256;
const NAME = /^[a-z0-9._-]{1,64}$/;
const RESERVED = ["system.", "demo.", "file."];

/** A point [t_ms, value] of two finite numbers, or null. */
function point(item) {
  const ok = Array.isArray(item) && item.length === 2 && item.every(Number.isFinite);
  return ok ? [item[0], item[1]] : null;
}

/** The points of a publish body (`{points}` or `{value}`, optional `unit`), validated. */
function pointsOf(body) {
  fields(body, ["points", "value", "unit"]);
  if (body.unit !== undefined && typeof body.unit !== "string") {
    throw new WireError("bad_request", "unit must be a string");
  }
  if ((body.points === undefined) === (body.value === undefined)) {
    throw new WireError("bad_request", "give either points or value");
  }
  if (body.value !== undefined) {
    if (!Number.isFinite(body.value)) throw new WireError("bad_request", "value must be a number");
    return [[Date.now(), body.value]]; // stamped by the server's clock, as Pulseboard's {value}
  }
  if (!Array.isArray(body.points)) throw new WireError("bad_request", "points must be a list");
  if (body.points.length > MAX_POINTS) {
    throw new WireError("too_large", `at most ${MAX_POINTS} points per request`);
  }
  const points = body.points.map(point);
  const bad = points.indexOf(null);
  if (bad >= 0) throw new WireError("bad_request", `points[${bad}] must be [t_ms, value]`);
  return points;
}

/**
 * Attach /charts to `namespace`; returns `publish(name, body)` for the REST
 * route, which answers `{status, body}`.
 */
export function attachCharts(namespace) {
  const streams = new Map(); // name -> recent points, oldest first

  function streamOf(payload) {
    const { stream } = fields(payload, ["stream"]);
    if (typeof stream !== "string") throw new WireError("bad_request", "stream must be a string");
    return stream;
  }

  function subscribe(socket, payload) {
    const stream = streamOf(payload);
    const recent = streams.get(stream);
    if (!recent) throw new WireError("not_found", `no stream ${stream}`);
    socket.join(`stream:${stream}`);
    return { ok: true, stream, points: recent };
  }

  function unsubscribe(socket, payload) {
    const stream = streamOf(payload);
    if (!streams.has(stream)) throw new WireError("not_found", `no stream ${stream}`);
    socket.leave(`stream:${stream}`);
    return { ok: true };
  }

  function streamList() {
    return { ok: true, streams: [...streams.keys()].map((name) => ({ name, label: name, unit: "" })) };
  }

  namespace.on("connection", (socket) => {
    serve(socket, { subscribe, unsubscribe, streams: streamList });
  });

  return function publish(name, body) {
    if (!NAME.test(name)) throw new WireError("bad_request", "stream names are 1-64 of a-z 0-9 . _ -");
    if (RESERVED.some((prefix) => name.startsWith(prefix))) {
      throw new WireError("forbidden", `${name} is one of the server's own streams`);
    }
    const points = pointsOf(body);
    if (!streams.has(name) && streams.size >= MAX_STREAMS) {
      throw new WireError("too_large", `at most ${MAX_STREAMS} published streams`);
    }
    const recent = streams.get(name) ?? [];
    streams.set(name, recent.concat(points).slice(-WINDOW));
    namespace.to(`stream:${name}`).emit("points", { stream: name, points });
    return { status: 202, body: { ok: true, stream: name, accepted: points.length } };
  };
}
