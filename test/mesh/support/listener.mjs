// Listens on 127.0.0.1 at every port given and answers each connection with `node=<name>\n`, so
// a probe that reaches a port knows which tailnet node (namespace) it reached.
// Usage: node listener.mjs <name> <port>...
import { createServer } from "node:net";

const [name, ...ports] = process.argv.slice(2);
let pending = ports.length;
for (const port of ports) {
  createServer((socket) => socket.end(`node=${name}\n`))
    .on("error", (e) => { console.error(`${name}:${port}: ${e.message}`); process.exit(1); })
    .listen(Number(port), "127.0.0.1", () => { if (--pending === 0) console.log(`listening ${name} ${ports.join(",")}`); });
}
