// One controller per stack. The lock is a file beside the state (file:// backends: under the state
// directory; other backends: a directory given with --lock-dir), created exclusively, holding the
// owner's pid, host and start time. A lock whose owner is on this host and no longer runs is taken
// over (and said so); any other is refused loudly, naming its owner.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly stack: string;
}

export class LockHeld extends Error {
  constructor(readonly path: string, readonly owner: LockOwner | null) {
    super(owner
      ? `another fabric autoscale runs for stack ${owner.stack}: pid ${owner.pid} on ${owner.host}, since ${owner.startedAt} (lock ${path}). Two controllers would fight over the pool; stop that one first, or remove the lock if it is dead`
      : `the autoscale lock ${path} exists but cannot be read; remove it if no controller runs`);
  }
}

/** The lock directory for a backend URL: `<state dir>/.fabric-autoscale` for file:// backends. */
export function lockDirFor(backendUrl: string, explicit: string | undefined): string {
  if (explicit) return explicit;
  if (backendUrl.startsWith("file://")) return join(fileURLToPath(backendUrl.replace(/^file:\/\/~/, `file://${process.env.HOME ?? ""}`)), ".fabric-autoscale");
  throw new Error(`the state backend ${backendUrl || "(unknown)"} is not a local directory, so the lock cannot sit beside it: pass --lock-dir DIR (a directory every host that may run the controller shares)`);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Takes the stack's lock or throws {@link LockHeld}. Returns the release function. */
export function acquireStackLock(dir: string, project: string, stack: string, say: (line: string) => void): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${project}.${stack}.lock`);
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), stack };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, `${JSON.stringify(owner)}\n`);
      closeSync(fd);
      return () => {
        try {
          const now = JSON.parse(readFileSync(path, "utf8")) as LockOwner;
          if (now.pid === owner.pid && now.host === owner.host) rmSync(path, { force: true });
        } catch { /* already gone */ }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let held: LockOwner | null = null;
      try { held = JSON.parse(readFileSync(path, "utf8")) as LockOwner; } catch { held = null; }
      if (held && held.host === owner.host && !alive(held.pid) && attempt === 0) {
        say(`taking over the lock of pid ${held.pid} on ${held.host} (since ${held.startedAt}), which no longer runs`);
        rmSync(path, { force: true });
        continue;
      }
      throw new LockHeld(path, held);
    }
  }
  throw new LockHeld(path, null);
}
