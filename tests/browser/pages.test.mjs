// Opens every generated page (PAGES/*.html, each beside the JSON report it was drawn from,
// same name with .json) in headless chromium from a file:// URL and checks: no console
// errors, no failed or outside requests, charts (svg) present, and every number shown
// (elements with data-json) equal to the JSON report's value at that path. Saves a
// screenshot of each page in PAGES/screenshots/ to look at.
import { chromium } from "playwright-core";
import { readdirSync, readFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";

const pages = resolve(process.argv[2] ?? "pages");
const shots = join(pages, "screenshots");
mkdirSync(shots, { recursive: true });

const at = (json, path) =>
  path.split(".").reduce((v, key) => (v === undefined || v === null ? undefined : v[key]), json);
const raw = (v) => (v === null ? "null" : String(v));

const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "campaign-chromium-")), {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  viewport: { width: 1100, height: 900 },
});

let failures = 0;
const fail = (page, message) => {
  failures += 1;
  console.error(`FAIL ${page}: ${message}`);
};
const files = readdirSync(pages).filter((f) => f.endsWith(".html")).sort();
if (files.length === 0) fail(pages, "no pages to test");
for (const file of files) {
  const report = JSON.parse(readFileSync(join(pages, file.replace(/\.html$/, ".json")), "utf8"));
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => r.url().startsWith("file:") || errors.push(`request to ${r.url()}`));
  await page.goto(pathToFileURL(join(pages, file)).href, { waitUntil: "load" });
  for (const e of errors) fail(file, `console: ${e}`);
  const charts = await page.locator("svg").count();
  if (charts === 0) fail(file, "no chart");
  const numbers = await page.$$eval("[data-json]", (cells) =>
    cells.map((c) => ({ path: c.dataset.json, value: c.dataset.value, text: c.textContent })),
  );
  if (numbers.length === 0) fail(file, "no numbers");
  for (const { path, value, text } of numbers) {
    const expected = at(report, path);
    if (expected === undefined) fail(file, `${path} is not in the JSON report`);
    else if (raw(expected) !== value) fail(file, `${path}: page says ${value}, JSON ${raw(expected)}`);
    const shown = value === "null" ? "–" : value;
    if (text.replaceAll(",", "") !== shown) fail(file, `${path}: shown as ${text}, value ${value}`);
  }
  await page.screenshot({ path: join(shots, file.replace(/\.html$/, ".png")), fullPage: true });
  console.log(`ok ${file}: ${charts} charts, ${numbers.length} numbers equal to the JSON report`);
  await page.close();
}
await browser.close();
if (failures > 0) {
  console.error(`${failures} failures`);
  process.exit(1);
}
