// Loopback stand-ins for what a gateway meets: an OpenAI-compatible server that answers (an engine,
// or the cloud), one that answers 5xx, one that accepts connections and never answers, and ports
// nobody listens on (an engine that is down, a burst slot with no host). Each counts its requests.
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createHttpServer } from "node:http";

/** What a fake does with a request: "status-503" is llama-server's answer while it loads its model. */
export type FakeBehaviour = "answer" | "status-500" | "status-503" | "hang";

export interface FakeServer {
  readonly port: number;
  readonly behaviour: FakeBehaviour;
  /** Switches an HTTP fake between "answer", "status-500" and "status-503" (a host that finished loading). */
  setBehaviour(next: Exclude<FakeBehaviour, "hang">): void;
  /** Chat completion requests received (health probes included). */
  readonly requests: () => number;
  close(): Promise<void>;
}

/** An OpenAI-compatible chat completion whose content names who answered. */
function completion(model: string, who: string): string {
  return JSON.stringify({
    id: `chatcmpl-${who}`, object: "chat.completion", created: Math.floor(Date.now() / 1000), model,
    choices: [{ index: 0, message: { role: "assistant", content: `answered by ${who}` }, finish_reason: "stop" }],
    usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
  });
}

/** Starts a fake on `port` (0: any free port) on 127.0.0.1. `name` appears in its answers. */
export async function startFake(name: string, behaviour: FakeBehaviour, port = 0): Promise<FakeServer> {
  let count = 0;
  let current = behaviour;
  const sockets = new Set<Socket>();
  let server: Server;
  if (behaviour === "hang") {
    // Accepts, reads, never writes: a host that took the connection and stalls.
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on("data", () => { count++; });
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
    });
  } else {
    server = createHttpServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => { body += chunk; });
      req.on("end", () => {
        if (req.url?.startsWith("/health")) { res.writeHead(200).end("{}"); return; }
        if (req.url?.endsWith("/models")) {
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: name, object: "model" }] }));
          return;
        }
        count++;
        if (current === "status-500") {
          res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `${name} is broken`, type: "server_error" } }));
          return;
        }
        if (current === "status-503") {
          res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: 503, message: "Loading model", type: "unavailable_error" } }));
          return;
        }
        let model = name;
        try { model = (JSON.parse(body) as { model?: string }).model ?? name; } catch { /* answer anyway */ }
        res.writeHead(200, { "content-type": "application/json" }).end(completion(model, name));
      });
    });
    server.on("connection", (socket) => { sockets.add(socket); socket.on("close", () => sockets.delete(socket)); });
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fake server has no port");
  return {
    port: address.port,
    get behaviour() { return current; },
    setBehaviour: (next) => {
      if (behaviour === "hang") throw new Error(`${name}: a hanging fake cannot change behaviour`);
      current = next;
    },
    requests: () => count,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/**
 * `count` consecutive ports on 127.0.0.1 that nobody listens on (a replica set that is down): each
 * is bound once to prove it is free, then released. Connections to them are refused.
 */
export async function closedPorts(count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 40000);
    const servers: Server[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const s = createServer();
        await new Promise<void>((resolve, reject) => { s.once("error", reject); s.listen(base + i, "127.0.0.1", () => resolve()); });
        servers.push(s);
      }
      return Array.from({ length: count }, (_, i) => base + i);
    } catch {
      // taken: try another base
    } finally {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    }
  }
  throw new Error(`no ${count} consecutive free ports found on 127.0.0.1`);
}
