// What every part of the peer shares: the error value of the contract
// ({ok: false, error: {code, message}}) and event handlers that always ack.

/** The contract's error value. */
export function failure(code, message) {
  return { ok: false, error: { code, message } };
}

/** An error a handler throws to answer with `code` (bad_request, forbidden...). */
export class WireError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/**
 * Register `handlers` ({event: (socket, payload) => ack}) on a socket: each
 * answers its ack with what it returns, a thrown WireError
 * becomes that error and anything else `internal`; an event the namespace
 * does not know is answered `not_found`, as Pulseboard does.
 */
export function serve(socket, handlers) {
  socket.onAny((event, ...args) => {
    const ack = typeof args.at(-1) === "function" ? args.pop() : null;
    const handler = handlers[event];
    let answer;
    try {
      if (!handler) throw new WireError("not_found", `unknown event ${event}`);
      answer = handler(socket, args[0]);
    } catch (error) {
      if (!(error instanceof WireError)) console.error(`${event}:`, error);
      answer = error instanceof WireError
        ? failure(error.code, error.message) : failure("internal", "internal error");
    }
    if (ack) ack(answer);
  });
}

/** `payload` if it is a plain object with only `allowed` keys, else bad_request. */
export function fields(payload, allowed) {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw new WireError("bad_request", "payload must be an object");
  }
  const unknown = Object.keys(payload).filter((key) => !allowed.includes(key));
  if (unknown.length) throw new WireError("bad_request", `unknown field ${unknown[0]}`);
  return payload;
}
