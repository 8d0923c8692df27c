// `node scripts/check-requirements.mjs`: does this machine have what AftercareNudge needs?
// Node.js as the "engines" of package.json (what `npm start` installs) and of tests/tools/package.json (what
// the tests add) say: the lowest version that every package each installs accepts (a test keeps them so);
// npm 7 or later (lock file version 3); a .NET SDK that global.json accepts. Prints a line per requirement
// and exits 1 if any is not met. `npm start` runs it first, with `--for npm-start`.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const readJson = (...parts) => JSON.parse(readFileSync(join(root, ...parts), "utf8"));

const parse = (v) => (/^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim()) ?? []).slice(1).map(Number);
const compare = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
const run = (command, args) => {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], shell: process.platform === "win32" });
  } catch {
    return null;
  }
};

const results = [];
const check = (name, needs, found, ok, fix) => results.push({ name, needs, found, ok, fix });

// Node.js: each package's engines is ">=X.Y.Z", the lowest version that it and every package it installs accept.
// `--for npm-start` (what npm start passes) checks only what npm start needs, not the test tools' Node.js.
const onlyNpmStart = process.argv.includes("--for") && process.argv[process.argv.indexOf("--for") + 1] === "npm-start";
const packages = [["npm start", ["package.json"]], ["dotnet test", ["tests", "tools", "package.json"]]];
for (const [what, file] of onlyNpmStart ? packages.slice(0, 1) : packages) {
  const needs = parse(readJson(...file).engines.node.replace(/^>=\s*/, ""));
  check(`Node.js for ${what}`, `${needs.join(".")} or later`, process.versions.node,
    compare(parse(process.versions.node), needs) >= 0, "install a newer Node.js (an LTS release)");
}

// npm: lock file version 3.
const npm = run("npm", ["--version"]);
check("npm", "7.0.0 or later", npm?.trim() ?? "not found", npm !== null && parse(npm)[0] >= 7,
  "npm comes with Node.js; update both");

// .NET SDK: global.json's version with rollForward latestFeature: the same major.minor, this feature band or later.
const { version: sdkVersion, rollForward } = readJson("global.json").sdk;
const sdkNeeds = parse(sdkVersion);
const sdks = (run("dotnet", ["--list-sdks"]) ?? "").split("\n").map((line) => line.split(" ")[0]).filter(Boolean);
const accepted = (v) => {
  const p = parse(v);
  if (p.length !== 3) return false;
  if (rollForward === "latestFeature") return p[0] === sdkNeeds[0] && p[1] === sdkNeeds[1] && compare(p, sdkNeeds) >= 0;
  return compare(p, sdkNeeds) >= 0;
};
const usable = sdks.filter(accepted);
check(".NET SDK", `${sdkNeeds[0]}.${sdkNeeds[1]}, ${sdkVersion} or a later ${sdkNeeds[0]}.${sdkNeeds[1]}.x`,
  sdks.length ? sdks.join(", ") : "not found", usable.length > 0, `install the .NET ${sdkNeeds[0]}.${sdkNeeds[1]} SDK`);

for (const r of results) {
  console.log(`${r.ok ? "ok     " : "MISSING"} ${r.name}: needs ${r.needs}; found ${r.found}${r.ok ? "" : ` (${r.fix})`}`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
