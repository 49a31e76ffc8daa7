/**
 * A real JupyterLab for browser tests: served from the project venv on 127.0.0.1 with a token, in a
 * temporary root folder with its own Jupyter config, and Debian's Chromium driven by playwright-core.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { ROOT } from "../../helpers";

import { CHROMIUM_ARGS, CHROMIUM_PATH as CHROMIUM } from "../../../kernel/analysis/png";

// The same Chromium, with the same flags, as `lukelab analyze` uses for its PNGs.
export { CHROMIUM, CHROMIUM_ARGS };
export const ARTIFACTS = join(ROOT, "test", ".work", "artifacts");

export function requireBrowserSetup(): void {
  const jupyter = join(ROOT, ".venv", "bin", "jupyter");
  if (!existsSync(jupyter)) throw new Error(`${jupyter} is missing: run scripts/setup.sh`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (as root it installs Debian's chromium)`);
  if (!existsSync(join(ROOT, ".venv", "share", "jupyter", "labextensions", "lukelab", "package.json"))) {
    throw new Error("the lukelab JupyterLab extension is not installed in .venv: run scripts/setup.sh");
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export class Lab {
  readonly token = randomBytes(12).toString("hex");
  readonly dir = mkdtempSync(join(tmpdir(), "lukelab-lab-"));
  readonly root = join(this.dir, "root");
  readonly config = join(this.dir, "config");
  private proc: ChildProcess | null = null;
  private log = "";
  port = 0;

  /** Starts the server; `node_modules` in the root links to the project's, so notebooks import "lukelab". */
  async start(): Promise<void> {
    mkdirSync(this.root, { recursive: true });
    mkdirSync(join(this.config, "labconfig"), { recursive: true });
    symlinkSync(join(ROOT, "node_modules"), join(this.root, "node_modules"));
    this.setDisabled([]);
    this.port = await freePort();
    const env = {
      ...process.env,
      JUPYTER_CONFIG_DIR: this.config,
      JUPYTER_RUNTIME_DIR: join(this.dir, "runtime"),
      JUPYTER_DATA_DIR: join(this.dir, "data"),
      JUPYTERLAB_SETTINGS_DIR: join(this.dir, "settings"),
      JUPYTERLAB_WORKSPACES_DIR: join(this.dir, "workspaces"),
      JUPYTER_PLATFORM_DIRS: "1",
    };
    this.proc = spawn(
      join(ROOT, ".venv", "bin", "jupyter"),
      [
        "lab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        `--ServerApp.port=${this.port}`,
        "--ServerApp.port_retries=0",
        `--IdentityProvider.token=${this.token}`,
        `--ServerApp.root_dir=${this.root}`,
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
      ],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    this.proc.stdout!.on("data", (d) => (this.log += d));
    this.proc.stderr!.on("data", (d) => (this.log += d));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`jupyter lab exited (${this.proc.exitCode}):\n${this.log}`);
      try {
        const r = await fetch(`${this.url("/api/status")}`);
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`jupyter lab did not start in 60 s:\n${this.log}`);
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}${path.includes("?") ? "&" : "?"}token=${this.token}`;
  }

  /** Extensions JupyterLab leaves out; read by the server on every page load. */
  setDisabled(extensions: string[]): void {
    const disabled: Record<string, boolean> = { "@jupyterlab/apputils-extension:announcements": true };
    for (const e of extensions) disabled[e] = true;
    writeFileSync(join(this.config, "labconfig", "page_config.json"), JSON.stringify({ disabledExtensions: disabled }));
  }

  get serverLog(): string {
    return this.log;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null) {
      const exited = new Promise((r) => p.once("exit", r));
      p.kill("SIGTERM");
      const timer = setTimeout(() => p.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    this.proc = null;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A browser test file's JupyterLab server and Chromium, started side by side (after the set-up check). */
export async function startLabAndChromium(): Promise<{ lab: Lab; browser: Browser }> {
  requireBrowserSetup();
  const lab = new Lab();
  const [, browser] = await Promise.all([lab.start(), launchChromium()]);
  return { lab, browser };
}

/** Closes what startLabAndChromium started; either may be missing when the start failed. */
export async function stopLabAndChromium(lab: Lab | undefined, browser: Browser | undefined): Promise<void> {
  await browser?.close();
  await lab?.stop();
}

/** Console errors and page errors, recorded for the whole life of a page. */
export function recordErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

export type { Browser, BrowserContext, Page };
