#!/usr/bin/env node
// What a newcomer does with the README's first command: `npm run demo`, open the page, Ctrl-C.
// Passes when the page answers, Ctrl-C ends the demo with exit 0, and no process of the demo is
// left behind (its whole process group is gone and its ports are free again).
import { spawn } from "node:child_process";
import { connect } from "node:net";

const STARTUP_MS = 8 * 60_000; // a first run installs, builds the packages and runs next build
const STOP_MS = 30_000;
const PORTS = [3000, 8080];

const demo = spawn("npm", ["run", "demo"], {
  cwd: new URL("..", import.meta.url).pathname,
  detached: true, // its own process group, as a terminal gives it: Ctrl-C signals the group
  stdio: ["ignore", "pipe", "inherit"],
});
const exited = new Promise((resolve) => demo.once("exit", (code, signal) => resolve({ code, signal })));

const url = await new Promise((resolve, reject) => {
  let output = "";
  const timer = setTimeout(
    () => reject(new Error(`no URL printed within ${STARTUP_MS / 1000} s`)),
    STARTUP_MS,
  );
  demo.stdout.on("data", (chunk) => {
    process.stdout.write(chunk);
    output += chunk;
    const match = /is running at (http:\/\/\S+)/.exec(output);
    if (match) {
      clearTimeout(timer);
      resolve(match[1]);
    }
  });
  exited.then(({ code, signal }) => reject(new Error(`npm run demo ended early (${code ?? signal})`)));
}).catch(stop);

const page = await fetch(url).catch(stop);
const html = await page.text();
if (page.status !== 200 || !html.includes("StaffNotify")) stop(new Error(`${url} answered ${page.status}`));
console.log(`\ncheck-demo: ${url} answered 200 with the app's page; pressing Ctrl-C`);

process.kill(-demo.pid, "SIGINT");
const outcome = await Promise.race([
  exited,
  new Promise((resolve) => setTimeout(() => resolve(undefined), STOP_MS)),
]);
if (!outcome) stop(new Error(`the demo did not stop within ${STOP_MS / 1000} s of Ctrl-C`));
if (outcome.code !== 0)
  stop(new Error(`Ctrl-C ended the demo with ${outcome.code ?? outcome.signal}, not exit 0`));
await new Promise((resolve) => setTimeout(resolve, 500)); // let the kernel reap what just exited
if (groupAlive(demo.pid)) stop(new Error("processes of the demo are still running after Ctrl-C"));
for (const port of PORTS) {
  if (await listening(port)) stop(new Error(`port ${port} is still taken after Ctrl-C`));
}
console.log("check-demo: Ctrl-C ended the demo with exit 0; no process left, ports 3000 and 8080 free");

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function stop(error) {
  console.error(`\ncheck-demo: ${error.message}`);
  if (groupAlive(demo.pid)) process.kill(-demo.pid, "SIGKILL");
  process.exit(1);
}
