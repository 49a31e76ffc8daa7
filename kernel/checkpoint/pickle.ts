/**
 * A restricted pickle reader. It understands the data opcodes of protocols 0–5 that torch.save
 * emits, and nothing in it can import a module or call a function: every GLOBAL goes through the
 * caller's `findGlobal` (an allow-list), and REDUCE / BUILD / persistent ids go through the
 * caller's handlers, which build plain data. Opcodes that would construct arbitrary objects
 * (INST, OBJ, NEWOBJ, extension registry, out-of-band buffers) are errors.
 *
 * Python's pickle is the only complete reader and it runs code by design; a JS port of it would
 * too, so this is our own, deliberately small.
 */

/** A name that `findGlobal` accepted. Only the caller's handlers give it meaning. */
export class PickleGlobal {
  constructor(readonly module: string, readonly name: string) {}
  toString(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A Python dict (or OrderedDict) with its keys in insertion order; `state` is what BUILD gave it. */
export class PickleDict {
  readonly items = new Map<unknown, unknown>();
  state: unknown = undefined;
  constructor(readonly kind: "dict" | "OrderedDict" = "dict") {}
}

/** A Python tuple (a frozen array, so APPEND on it is refused like Python refuses it). */
export type PickleTuple = readonly unknown[];

export interface PickleHandlers {
  /** Names for error messages: the file and the entry the pickle came from. */
  where: string;
  /** Returns the object a GLOBAL stands for, or throws (naming the global) when it is not allowed. */
  findGlobal(module: string, name: string, offset: number): unknown;
  /** REDUCE: `callable(*args)`, for the allowed callables only. */
  reduce(callable: unknown, args: PickleTuple, offset: number): unknown;
  /** BUILD: sets state on an object; the default accepts dict state on dicts. */
  build?(obj: unknown, state: unknown, offset: number): unknown;
  /** BINPERSID / PERSID. */
  persistentLoad?(pid: unknown, offset: number): unknown;
}

/** Opcode names, for readable errors about opcodes we refuse. */
const OPCODE_NAMES: Record<number, string> = {
  0x28: "MARK", 0x2e: "STOP", 0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP", 0x46: "FLOAT", 0x49: "INT", 0x4a: "BININT",
  0x4b: "BININT1", 0x4c: "LONG", 0x4d: "BININT2", 0x4e: "NONE", 0x50: "PERSID", 0x51: "BINPERSID", 0x52: "REDUCE",
  0x53: "STRING", 0x54: "BINSTRING", 0x55: "SHORT_BINSTRING", 0x56: "UNICODE", 0x58: "BINUNICODE", 0x61: "APPEND",
  0x62: "BUILD", 0x63: "GLOBAL", 0x64: "DICT", 0x7d: "EMPTY_DICT", 0x65: "APPENDS", 0x67: "GET", 0x68: "BINGET",
  0x69: "INST", 0x6a: "LONG_BINGET", 0x6c: "LIST", 0x5d: "EMPTY_LIST", 0x6f: "OBJ", 0x70: "PUT", 0x71: "BINPUT",
  0x72: "LONG_BINPUT", 0x73: "SETITEM", 0x74: "TUPLE", 0x29: "EMPTY_TUPLE", 0x75: "SETITEMS", 0x47: "BINFLOAT",
  0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x85: "TUPLE1", 0x86: "TUPLE2",
  0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE", 0x8a: "LONG1", 0x8b: "LONG4", 0x42: "BINBYTES",
  0x43: "SHORT_BINBYTES", 0x8c: "SHORT_BINUNICODE", 0x8d: "BINUNICODE8", 0x8e: "BINBYTES8", 0x8f: "EMPTY_SET",
  0x90: "ADDITEMS", 0x91: "FROZENSET", 0x92: "NEWOBJ_EX", 0x93: "STACK_GLOBAL", 0x94: "MEMOIZE", 0x95: "FRAME",
  0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
};

/** The bytes end inside a pickle; a reader holding only a prefix of a file may retry with more. */
export class PickleTruncatedError extends Error {}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads one pickle starting at `start`; returns its value and the offset just after STOP
 * (legacy torch files hold several pickles back to back).
 */
export function unpickle(bytes: Uint8Array, handlers: PickleHandlers, start = 0): { value: unknown; end: number } {
  const { where } = handlers;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  let opAt = start;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg} (pickle byte ${opAt})`);
  };
  const truncated = (msg: string): never => {
    throw new PickleTruncatedError(`${where}: ${msg} (pickle byte ${opAt})`);
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) truncated(`the pickle ends after ${bytes.length - start} bytes, inside an opcode that needs ${n} more`);
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), dv.getUint16(pos - 2, true));
  const i32 = () => (need(4), (pos += 4), dv.getInt32(pos - 4, true));
  const u32 = () => (need(4), (pos += 4), dv.getUint32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) truncated(`a length of ${v} bytes runs past the end of the pickle`);
    return Number(v);
  };
  const take = (n: number) => (need(n), (pos += n), bytes.subarray(pos - n, pos));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) truncated("the pickle ends inside a text line");
    const s = Buffer.from(bytes.subarray(pos, end)).toString("latin1");
    pos = end + 1;
    return s;
  };
  const text = (n: number) => {
    try {
      return utf8.decode(take(n));
    } catch {
      return fail("a string is not valid UTF-8");
    }
  };
  const pop = () => (stack.length ? stack.pop() : fail("the pickle pops from an empty stack"));
  const top = () => (stack.length ? stack[stack.length - 1] : fail("the pickle reads from an empty stack"));
  const popMark = () => {
    const items = stack;
    const outer = metastack.pop();
    if (!outer) return fail("the pickle closes a MARK that was never opened");
    stack = outer;
    return items;
  };
  const memoGet = (i: number) => (memo.has(i) ? memo.get(i) : fail(`the pickle refers to memo slot ${i}, which was never stored`));
  const signed = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const parseIntText = (s: string): number | bigint => {
    const t = s.trim().replace(/L$/, "");
    if (!/^[+-]?\d+$/.test(t)) fail(`${JSON.stringify(s)} is not an integer`);
    const v = BigInt(t);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const setItem = (target: unknown, key: unknown, value: unknown) => {
    if (!(target instanceof PickleDict)) fail(`SETITEM on a ${describe(target)}, expected a dict`);
    (target as PickleDict).items.set(key, value);
  };
  const append = (target: unknown, value: unknown) => {
    if (!Array.isArray(target) || Object.isFrozen(target)) fail(`APPEND on a ${describe(target)}, expected a list`);
    (target as unknown[]).push(value);
  };
  const global = (module: string, name: string) => handlers.findGlobal(module, name, opAt);
  const refuse = (op: number): never =>
    fail(`pickle opcode ${OPCODE_NAMES[op]} (0x${op.toString(16)}) is not supported: it builds arbitrary objects, and lukelab reads tensors only`);

  for (;;) {
    opAt = pos;
    if (pos >= bytes.length) truncated("the pickle ends without a STOP opcode");
    const op = bytes[pos++];
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail(`pickle protocol ${bytes[pos - 1]} is newer than 5`);
        break;
      case 0x95: // FRAME: a length hint only
        need(8);
        pos += 8;
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;

      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(signed(take(u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const n = i32();
        // Torch never writes LONG4; a cap keeps a hostile file from making us build a huge integer.
        if (n < 0 || n > 1024) fail(`LONG4 has length ${n}, expected 0..1024 bytes`);
        stack.push(signed(take(n)));
        break;
      }
      case 0x49: { // INT (text; "01"/"00" are the protocol-0 booleans)
        const s = line();
        stack.push(s === "01" ? true : s === "00" ? false : parseIntText(s));
        break;
      }
      case 0x4c: stack.push(parseIntText(line())); break; // LONG (text)
      case 0x47: need(8); stack.push(dv.getFloat64(pos, false)); pos += 8; break; // BINFLOAT (big-endian)
      case 0x46: { // FLOAT (text)
        const s = line();
        const v = Number(s);
        if (Number.isNaN(v) && !/nan/i.test(s)) fail(`${JSON.stringify(s)} is not a float`);
        stack.push(v);
        break;
      }

      case 0x58: stack.push(text(u32())); break; // BINUNICODE
      case 0x8c: stack.push(text(u8())); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(text(u64())); break; // BINUNICODE8
      case 0x54: { // BINSTRING (Python 2 str)
        const n = i32();
        if (n < 0) fail("BINSTRING has a negative length");
        stack.push(Buffer.from(take(n)).toString("latin1"));
        break;
      }
      case 0x55: stack.push(Buffer.from(take(u8())).toString("latin1")); break; // SHORT_BINSTRING
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: stack.push(take(u64()).slice()); break; // BINBYTES8
      case 0x96: stack.push(take(u64()).slice()); break; // BYTEARRAY8

      case 0x7d: stack.push(new PickleDict()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(Object.freeze([])); break; // EMPTY_TUPLE
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x74: { // TUPLE (pop the mark before touching `stack`: popMark replaces it)
        const items = Object.freeze(popMark());
        stack.push(items);
        break;
      }
      case 0x85: stack.push(Object.freeze([pop()])); break; // TUPLE1
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(Object.freeze([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(Object.freeze([pop(), b, c]));
        break;
      }
      case 0x6c: { // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x64: { // DICT
        const items = popMark();
        const d = new PickleDict();
        for (let i = 0; i + 1 < items.length; i += 2) d.items.set(items[i], items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x91: { // FROZENSET
        const items = new Set(popMark());
        stack.push(items);
        break;
      }
      case 0x90: { // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`ADDITEMS on a ${describe(s)}, expected a set`);
        for (const x of items) (s as Set<unknown>).add(x);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        append(top(), v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const target = top();
        for (const v of items) append(target, v);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItem(top(), k, v);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        const target = top();
        if (items.length % 2) fail("SETITEMS has an odd number of items");
        for (let i = 0; i < items.length; i += 2) setItem(target, items[i], items[i + 1]);
        break;
      }

      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x70: memo.set(Number(parseIntText(line())), top()); break; // PUT (text)
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(memoGet(u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET
      case 0x67: stack.push(memoGet(Number(parseIntText(line())))); break; // GET (text)

      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(global(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") fail("STACK_GLOBAL needs two strings");
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const callable = pop();
        if (!Array.isArray(args)) fail(`REDUCE arguments are a ${describe(args)}, expected a tuple`);
        stack.push(handlers.reduce(callable, args as PickleTuple, opAt));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = pop();
        if (handlers.build) stack.push(handlers.build(obj, state, opAt));
        else if (obj instanceof PickleDict) {
          obj.state = state;
          stack.push(obj);
        } else fail(`BUILD on a ${describe(obj)} is not supported`);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!handlers.persistentLoad) fail("the pickle has a persistent id but none are expected here");
        stack.push(handlers.persistentLoad!(pid, opAt));
        break;
      }
      case 0x50: { // PERSID (text)
        const pid = line();
        if (!handlers.persistentLoad) fail("the pickle has a persistent id but none are expected here");
        stack.push(handlers.persistentLoad!(pid, opAt));
        break;
      }

      case 0x69: // INST "module\nname\n": check the name first, so a forbidden global is reported as such
        global(line(), line());
        return refuse(op);
      case 0x6f: // OBJ
      case 0x81: // NEWOBJ
      case 0x92: // NEWOBJ_EX
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
      case 0x53: // STRING (protocol 0 escaped text; torch never writes it)
      case 0x56: // UNICODE (likewise)
        return refuse(op);
      default:
        return fail(`unknown pickle opcode 0x${op.toString(16).padStart(2, "0")}`);
    }
  }
}

/** A short description of a pickled value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return "None";
  if (v instanceof PickleGlobal) return `global ${v}`;
  if (v instanceof PickleDict) return v.kind;
  if (Array.isArray(v)) return Object.isFrozen(v) ? `tuple of ${v.length}` : `list of ${v.length}`;
  if (v instanceof Uint8Array) return `bytes of ${v.length}`;
  if (v instanceof Set) return "set";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}
