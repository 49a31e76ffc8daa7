/**
 * A fix for a crash of the tslab kernel: "Unexpected pending rebuildTimer".
 *
 * tslab type-checks every cell with TypeScript's watch compiler, and hands it a `setTimeout` that
 * holds one pending timer and throws when asked for a second (tslab fires that one timer itself
 * when it converts the next cell). TypeScript keeps two: one to rebuild the program, one to
 * re-resolve imports after a change in a folder it watches for failed module lookups. Both get
 * scheduled when files change while a kernel runs (a module the notebook imports is edited, a
 * `node_modules` folder appears, a package is rebuilt), and the second one throws inside a file
 * watcher or in the next cell, which then fails with that message.
 *
 * `oneSlotForMany` gives TypeScript as many timers as it asks for on top of tslab's single slot:
 * the first takes the slot, later ones join it, and when tslab fires the slot every callback in it
 * runs (and any that they schedule, in the same turn), so every change is seen at the next cell.
 * `patchTypeScriptSys` installs it for every `sys` that tslab derives from TypeScript's own
 * (`Object.create(ts.sys)`, then assigning setTimeout and clearTimeout), through accessors on
 * `ts.sys`: tslab's assignments reach the setters, and TypeScript reads the merged timers back.
 * bin/tslab-kernel.js starts tslab with it; scripts/setup.sh registers that as the kernel.
 */

type Callback = (...args: unknown[]) => void;
type SetTimeout = (callback: Callback, ms?: number, ...args: unknown[]) => unknown;
type ClearTimeout = (handle: unknown) => void;

export interface Timers {
  setTimeout: SetTimeout;
  clearTimeout: ClearTimeout;
}

/** Many timers on a host that holds one pending timer at a time (see the module comment). */
export function oneSlotForMany(host: Timers): Timers {
  type Slot = { handle: unknown; callbacks: Map<object, () => void> };
  let slot: Slot | undefined;
  // The slot whose callbacks run now: the host counts its slot as taken until they return, so
  // timers set meanwhile join it (and run in this turn) and clearing it never reaches the host.
  let running: Slot | undefined;
  return {
    setTimeout(callback, _ms, ...args) {
      const token = {};
      const run = () => callback(...args);
      const open = running ?? slot;
      if (open) {
        open.callbacks.set(token, run);
        return token;
      }
      const current: Slot = { handle: undefined, callbacks: new Map([[token, run]]) };
      slot = current;
      current.handle = host.setTimeout(() => {
        running = current;
        try {
          while (current.callbacks.size > 0) {
            const [[key, next]] = current.callbacks;
            current.callbacks.delete(key);
            next();
          }
        } finally {
          running = undefined;
          if (slot === current) slot = undefined;
        }
      });
      return token;
    },
    clearTimeout(token) {
      const open = running ?? slot;
      if (!open || !open.callbacks.delete(token as object)) return;
      if (open !== running && open.callbacks.size === 0) {
        slot = undefined;
        host.clearTimeout(open.handle);
      }
    },
  };
}

interface SysRecord {
  set?: SetTimeout;
  clear?: ClearTimeout;
  merged?: Timers;
}

/**
 * Makes every object derived from `sys` that assigns its own setTimeout and clearTimeout get
 * `oneSlotForMany` over them. `sys` itself keeps its timers. Returns false if already patched.
 */
export function patchTypeScriptSys(sys: Record<string, unknown>): boolean {
  if (sys.__lukelabTimers) return false;
  const originalSet = sys.setTimeout as SetTimeout | undefined;
  const originalClear = sys.clearTimeout as ClearTimeout | undefined;
  const records = new WeakMap<object, SysRecord>();
  const merged = (self: object): Timers | undefined => {
    const r = records.get(self);
    if (!r?.set || !r.clear) return undefined;
    r.merged ??= oneSlotForMany({ setTimeout: r.set, clearTimeout: r.clear });
    return r.merged;
  };
  const record = (self: object): SysRecord => {
    let r = records.get(self);
    if (!r) records.set(self, (r = {}));
    return r;
  };
  // setTimeout and clearTimeout: an own assignment is recorded; once an object has both, reads give the merged pair.
  const accessor = <K extends "set" | "clear">(name: "setTimeout" | "clearTimeout", key: K, original: SysRecord[K]) =>
    Object.defineProperty(sys, name, {
      configurable: true,
      enumerable: true,
      get(this: object) {
        const m = merged(this);
        if (m) return m[name];
        return records.get(this)?.[key] ?? original;
      },
      set(this: object, value: SysRecord[K]) {
        const r = record(this);
        r[key] = value;
        r.merged = undefined;
      },
    });
  accessor("setTimeout", "set", originalSet);
  accessor("clearTimeout", "clear", originalClear);
  Object.defineProperty(sys, "__lukelabTimers", { value: true });
  return true;
}
