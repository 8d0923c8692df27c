// `npm start`: the whole service on this machine with no accounts. Starts Azurite's Table service
// (data kept in .azurite/, git-ignored) on its default port, then the app with the development outbox
// on http://127.0.0.1:7071. Ctrl+C stops both.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, copyFileSync } from "node:fs";
import { createConnection } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const app = join(root, "src", "AftercareNudge.Functions");
const settings = join(app, "local.settings.json");
const tablePort = 10002;

if (!existsSync(join(root, "node_modules", "azurite"))) {
  console.log("Installing Azurite and Prism (npm ci)...");
  const install = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (install.status !== 0) process.exit(install.status ?? 1);
}

if (!existsSync(settings)) {
  copyFileSync(join(root, "local.settings.example.json"), settings);
  console.log("Created src/AftercareNudge.Functions/local.settings.json from local.settings.example.json.");
}

const children = [];
function stopAll(code) {
  for (const child of children) {
    if (child.exitCode === null) child.kill("SIGINT");
  }
  process.exitCode = code;
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
  });
}

if (await portOpen(tablePort)) {
  console.log(`Something already listens on 127.0.0.1:${tablePort}; using it as Azurite.`);
} else {
  const location = join(root, ".azurite");
  mkdirSync(location, { recursive: true });
  const azurite = spawn(process.execPath, [
    join(root, "node_modules", "azurite", "dist", "src", "table", "main.js"),
    "--tableHost", "127.0.0.1", "--tablePort", String(tablePort),
    "--location", location, "--skipApiVersionCheck", "--disableTelemetry", "--silent",
  ], { stdio: "inherit" });
  children.push(azurite);
  azurite.on("exit", (code) => { if (code) { console.error(`Azurite exited with code ${code}.`); stopAll(code); } });
  for (let i = 0; i < 100 && !(await portOpen(tablePort)); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

const dotnet = spawn("dotnet", ["run", "--project", app, ...process.argv.slice(2)], { stdio: "inherit", cwd: app });
children.push(dotnet);
dotnet.on("exit", (code) => stopAll(code ?? 0));
