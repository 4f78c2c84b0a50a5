// Entry point of the load generator: `node load/run.mjs '<json config>'`.
// The driver (bench/driver.py) starts it; it prints JSON lines ("ready",
// "result", "error") on stdout, reads JSON commands on stdin, talks to
// 127.0.0.1 only and always ends by itself.
import { runChat } from "./chat.mjs";
import { report } from "./common.mjs";
import { runLineProtocol } from "./lineprotocol.mjs";
import { runPublisher } from "./publisher.mjs";
import { runSubscribers } from "./subscribers.mjs";

const ROLES = {
  subscribers: runSubscribers, publisher: runPublisher, chat: runChat, lineprotocol: runLineProtocol,
};

function loopbackOnly(url) {
  const host = new URL(url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost") {
    throw new Error(`the load generator talks to 127.0.0.1 only, not ${host}`);
  }
}

try {
  const config = JSON.parse(process.argv[2] ?? "{}");
  const role = ROLES[config.role];
  if (!role) throw new Error(`unknown role ${config.role}; one of ${Object.keys(ROLES)}`);
  loopbackOnly(config.url);
  await role(config);
} catch (error) {
  await report("error", { message: String(error?.stack ?? error) });
  process.exit(2);
}
