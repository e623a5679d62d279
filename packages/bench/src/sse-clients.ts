import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

// Runs in a child process, so the clients' sockets never count in the server's heap.
const CHILD = `
const net = require("node:net");
const readline = require("node:readline");
let sockets = [];
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const [cmd, port, n, path] = line.split(" ");
  if (cmd === "close") {
    for (const s of sockets) s.destroy();
    sockets = [];
    process.stdout.write("closed\\n");
    return;
  }
  let ready = 0;
  for (let i = 0; i < Number(n); i++) {
    const s = net.connect(Number(port), "127.0.0.1");
    s.setNoDelay(true);
    s.once("data", () => { if (++ready === Number(n)) process.stdout.write("ready\\n"); });
    s.on("data", () => {});
    s.on("error", () => {});
    s.write("GET " + path + "?recipient=user-" + i + " HTTP/1.1\\r\\nHost: bench\\r\\nAccept: text/event-stream\\r\\n\\r\\n");
    sockets.push(s);
  }
});
`;

/** N SSE clients in a child process: `open` resolves once every stream has answered. */
export function sseClients() {
  const child = spawn(process.execPath, ["-e", CHILD], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const next = () => new Promise<string>((resolve) => lines.once("line", resolve));
  return {
    async open(url: string, path: string, n: number): Promise<void> {
      const reply = next();
      child.stdin.write(`open ${new URL(url).port} ${n} ${path}\n`);
      await reply;
    },
    async close(): Promise<void> {
      const reply = next();
      child.stdin.write("close\n");
      await reply;
    },
    end(): void {
      child.kill();
    },
  };
}
