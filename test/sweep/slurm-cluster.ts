/**
 * A real one-node Slurm cluster on loopback for the tests, all in a temporary folder: munged with
 * its own key and socket, slurmctld and slurmd in the foreground (-D) as child processes of the
 * test, on free ports. It needs Debian's slurm-wlm and munge (scripts/setup.sh installs them as
 * root) and root (SlurmUser=root; jobs run as the submitting user).
 *
 * The configuration avoids what containers lack: no cgroups (proctrack/linuxproc, task/none), no
 * accounting daemon (accounting_storage/none, jobacct_gather/none: sacct has nothing to say, which
 * the sweep's status reads from squeue and the state files instead), no systemd.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { tmpDir } from "../helpers";

const BINARIES = ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch", "/usr/bin/squeue", "/usr/bin/scancel", "/usr/bin/scontrol", "/usr/bin/sinfo"];

export interface Cluster {
  dir: string;
  /** Environment for Slurm commands (SLURM_CONF pointing at the cluster's slurm.conf). */
  env: NodeJS.ProcessEnv;
  cpus: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(path: string, lines = 15): string {
  return existsSync(path) ? readFileSync(path, "utf8").trim().split("\n").slice(-lines).join("\n") : `(no ${path})`;
}

/** Starts the cluster; throws a clear error when Slurm or munge is missing or does not come up. */
export async function startCluster(): Promise<Cluster> {
  const missing = BINARIES.filter((b) => !existsSync(b));
  if (missing.length) {
    throw new Error(
      `Slurm is not installed here (missing ${missing.join(", ")}): the Slurm sweep test needs Debian's slurm-wlm, slurmctld, ` +
        `slurmd and munge. Run scripts/setup.sh as root, or: apt-get install -y slurm-wlm slurmctld slurmd munge`,
    );
  }
  if (process.getuid?.() !== 0) throw new Error("the Slurm sweep test starts slurmctld and slurmd with SlurmUser=root: run it as root");

  const dir = tmpDir("lukelab-slurm-");
  chmodSync(dir, 0o755);
  for (const sub of ["munge", "state", "spool", "log"]) mkdirSync(join(dir, sub), { recursive: true, mode: 0o755 });
  const key = join(dir, "munge", "munge.key");
  writeFileSync(key, randomBytes(1024), { mode: 0o600 });
  const socket = join(dir, "munge", "munge.socket");

  const host = hostname();
  const probe = spawnSync("/usr/sbin/slurmd", ["-C"], { encoding: "utf8" });
  const cpus = Number(/CPUs=(\d+)/.exec(probe.stdout)?.[1] ?? 1);
  const memory = Number(/RealMemory=(\d+)/.exec(probe.stdout)?.[1] ?? 1024);
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const conf = join(dir, "slurm.conf");
  writeFileSync(
    conf,
    [
      "ClusterName=lukelabtest",
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      "AuthType=auth/munge",
      "CredType=cred/munge",
      `AuthInfo=socket=${socket}`,
      `StateSaveLocation=${join(dir, "state")}`,
      `SlurmdSpoolDir=${join(dir, "spool")}`,
      `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
      `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
      `SlurmctldLogFile=${join(dir, "log", "slurmctld.log")}`,
      `SlurmdLogFile=${join(dir, "log", "slurmd.log")}`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      "JobCompType=jobcomp/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core_Memory",
      "SchedulerType=sched/backfill",
      "MpiDefault=none",
      "ReturnToService=2",
      "SlurmctldTimeout=30",
      "SlurmdTimeout=30",
      "InactiveLimit=0",
      "KillWait=5",
      "MinJobAge=300",
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${memory} State=UNKNOWN`,
      `PartitionName=test Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      "",
    ].join("\n"),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const daemons: ChildProcess[] = [];
  const daemon = (cmd: string, args: string[], log: string) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    child.on("exit", () => writeFileSync(join(dir, "log", log), out));
    daemons.push(child);
    return child;
  };

  const stop = async () => {
    spawnSync("/usr/bin/scancel", ["--full", "--partition=test"], { env });
    for (const child of [...daemons].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([gone, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    daemon("/usr/sbin/munged", ["-F", "-f", `--socket=${socket}`, `--key-file=${key}`, `--log-file=${join(dir, "log", "munged.log")}`, `--pid-file=${join(dir, "munge", "munged.pid")}`, `--seed-file=${join(dir, "munge", "munged.seed")}`], "munged.out");
    for (let i = 0; !existsSync(socket); i++) {
      if (i > 100) throw new Error(`munged did not create ${socket}:\n${tail(join(dir, "log", "munged.log"))}`);
      await sleep(100);
    }
    daemon("/usr/sbin/slurmctld", ["-D", "-i"], "slurmctld.out");
    for (let i = 0; spawnSync("/usr/bin/scontrol", ["ping"], { env, encoding: "utf8" }).stdout.includes("DOWN") || i === 0; i++) {
      if (i > 100) throw new Error(`slurmctld did not come up:\n${tail(join(dir, "log", "slurmctld.log"))}`);
      await sleep(200);
    }
    daemon("/usr/sbin/slurmd", ["-D"], "slurmd.out");
    for (let i = 0; ; i++) {
      const state = spawnSync("/usr/bin/sinfo", ["-h", "-o", "%T"], { env, encoding: "utf8" }).stdout.trim();
      if (state === "idle") break;
      if (i > 150) throw new Error(`the node is "${state}", not idle, after 30 s:\n${tail(join(dir, "log", "slurmctld.log"))}\n${tail(join(dir, "log", "slurmd.log"))}`);
      await sleep(200);
    }
  } catch (err) {
    const logs = ["slurmctld.log", "slurmd.log", "munged.log"].map((f) => `--- ${f}\n${tail(join(dir, "log", f), 8)}`).join("\n");
    await stop();
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
  return { dir, env, cpus, stop };
}
