// `npm start`: the whole service on this machine with no accounts. Starts Azurite's Table and Queue
// services (data kept in .azurite/, git-ignored) on their default ports unless AzureWebJobsStorage is set
// in the environment, builds the app, and runs its isolated worker under the local Functions host
// (tools/FunctionsLocalHost) with the development outbox on http://127.0.0.1:7071. Ctrl+C stops
// everything it started.
//
//   npm start -- --port 7072     serve on another port (Public__BaseUrl follows unless set)
//   npm start -- --no-timers     timers run only through POST /admin/functions/{name}
//
// App settings in the environment reach the worker and win over local.settings.json.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, copyFileSync, statSync } from "node:fs";
import { createConnection } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const app = join(root, "src", "AftercareNudge.Functions");
const host = join(root, "tools", "FunctionsLocalHost");
const settings = join(app, "local.settings.json");
// Azurite's default ports, which UseDevelopmentStorage=true means: each service runs as a Node process of its own.
const services = [
  { name: "Table", script: "table", port: 10002, hostOption: "--tableHost", portOption: "--tablePort" },
  { name: "Queue", script: "queue", port: 10001, hostOption: "--queueHost", portOption: "--queuePort" },
];

let port = 7071;
let timers = true;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--port" && /^\d+$/.test(args[i + 1] ?? "")) port = Number(args[++i]);
  else if (args[i] === "--no-timers") timers = false;
  else {
    console.error(`Unknown option ${args[i]}. Options: --port <number>, --no-timers.`);
    process.exit(2);
  }
}

const requirements = spawnSync(process.execPath, [join(root, "scripts", "check-requirements.mjs"), "--for", "npm-start"], { encoding: "utf8" });
if (requirements.status !== 0) {
  process.stderr.write(requirements.stdout);
  process.exit(1);
}

// Only what this runs: Azurite (the test tools are tests/tools' own package). Installed again when the lock file changed.
const installed = join(root, "node_modules", ".package-lock.json");
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(root, "package-lock.json")).mtimeMs) {
  console.log("Installing Azurite (npm ci)...");
  const install = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (install.status !== 0) process.exit(install.status ?? 1);
}

if (!existsSync(settings)) {
  copyFileSync(join(root, "local.settings.example.json"), settings);
  console.log("Created src/AftercareNudge.Functions/local.settings.json from local.settings.example.json.");
}

const children = [];
let stopping = false;
function stopAll(code) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  // Each child leads a process group of its own: the signal reaches what it started too (the worker).
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try { process.kill(-child.pid, "SIGINT"); } catch { child.kill("SIGINT"); }
    }
  }
  setTimeout(() => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ }
      }
    }
    process.exit(code);
  }, 10_000).unref();
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

function portOpen(p) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port: p });
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
  });
}

const environment = { ...process.env };
if (port !== 7071 && !environment.Public__BaseUrl) environment.Public__BaseUrl = `http://127.0.0.1:${port}`;

if (environment.AzureWebJobsStorage) {
  console.log("AzureWebJobsStorage is set: using that storage, not starting Azurite.");
} else {
  const location = join(root, ".azurite");
  mkdirSync(location, { recursive: true });
  for (const service of services) {
    if (await portOpen(service.port)) {
      console.log(`Something already listens on 127.0.0.1:${service.port}; using it as Azurite's ${service.name} service.`);
      continue;
    }
    const azurite = spawn(process.execPath, [
      join(root, "node_modules", "azurite", "dist", "src", service.script, "main.js"),
      service.hostOption, "127.0.0.1", service.portOption, String(service.port),
      "--location", location, "--skipApiVersionCheck", "--disableTelemetry", "--silent",
    ], { stdio: "inherit", detached: true });
    children.push(azurite);
    azurite.on("exit", (code) => { if (code && !stopping) { console.error(`Azurite's ${service.name} service exited with code ${code}.`); stopAll(code); } });
    for (let i = 0; i < 100 && !(await portOpen(service.port)); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

console.log("Building the app and the local Functions host...");
for (const project of [app, host]) {
  const build = spawnSync("dotnet", ["build", project, "-c", "Debug", "--nologo", "-v", "quiet"], { stdio: "inherit" });
  if (build.status !== 0) {
    stopAll(build.status ?? 1);
    process.exit(build.status ?? 1);
  }
}

const hostArgs = [
  join(host, "bin", "Debug", "net10.0", "FunctionsLocalHost.dll"),
  "--app", join(app, "bin", "Debug", "net10.0"),
  "--port", String(port),
  "--settings", settings,
  "--state", join(root, ".local-host"),
];
if (!timers) hostArgs.push("--no-timers");
const functions = spawn("dotnet", hostArgs, { stdio: "inherit", cwd: root, env: environment, detached: true });
children.push(functions);
functions.on("exit", (code) => stopAll(code ?? 0));
