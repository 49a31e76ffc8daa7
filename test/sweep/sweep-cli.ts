/** `lukelab sweep …` as a child process, for the sweep tests. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../helpers";

const CLI = join(ROOT, "bin", "lukelab.js");

/** Runs `lukelab sweep <args>`; resolves with its exit code, signal and output. */
export function sweep(args: string[], onSpawn?: (pid: number) => void): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, "sweep", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    onSpawn?.(child.pid!);
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
