// Runs tinyml's RPI_PICO MicroPython firmware in the rp2040js emulator (npm rp2040js,
// pinned in package.json), its USB serial (the REPL) on stdin/stdout, diagnostics on stderr.
//
//   node runner.mjs --flash RPI_PICO.flash [--uf2 firmware.uf2 [--no-boot]] [--bootrom PATH]
//
// --flash   the board's 2 MiB QSPI flash, kept in a file like a real board keeps it: created
//           erased when missing, loaded at start, written back (atomically) soon after the
//           firmware modifies it (littlefs writes through the boot ROM's flash functions) and at exit.
// --uf2     first program this UF2 into the flash as the RP2040's UF2 bootloader does (each 4 KiB
//           sector a block lands in is erased, then the 256-byte pages are written); with
//           --no-boot, exit after that (what `tinyml flash --port rp2040:` runs).
// --bootrom rp2040js's demo/bootrom.ts (the RP2040 B1 boot ROM as a Uint32Array literal; it is not in
//           the npm package): default $TINYML_DEPS/rp2040js-v1.3.3/demo/bootrom.ts, TINYML_DEPS
//           defaulting to ~/.cache/tinyml (cloned there by `make deps`).
// --fast-idle  skip the time the core sleeps at once (default: while the core sleeps, simulated time
//           advances at most as fast as the wall clock, so time.sleep(1) takes a second, as on a board).
// --verbose rp2040js's warnings (unimplemented peripherals, ...) on stderr.
//
// The REPL is the firmware's USB CDC serial port (rp2040js's USBCDC host), as on a real Pico: the
// same image as the board, no UART REPL to enable. Host-to-device bytes are queued here and handed
// to the device only when it arms its OUT endpoint and they are there, as a USB host does (rp2040js
// would answer every armed read at once, with a zero-length packet when it has no data, so an idle
// REPL would take a USB interrupt every 10 simulated microseconds).
//
// Flash writes: rp2040js's SSI swallows flash commands, so the boot ROM's flash functions cannot
// erase or program anything. The ROM's function table (the codes pico-sdk's rom_func_lookup() finds)
// is read to locate connect_internal_flash, flash_exit_xip, flash_range_erase, flash_range_program,
// flash_flush_cache and flash_enter_cmd_xip; each entry point is overwritten with `bkpt #n; bx lr`,
// and the BKPT handler does the work on the flash array (erase: 0xFF; program: AND, as NOR flash).
// The 16 KiB ROM has no unused space for separate stubs, and these entry points are all the firmware
// reaches (pico-sdk looks each function up before every call).
//
// Time: rp2040js's SimulationClock counts simulated nanoseconds at 125 MHz (8 ns per cycle); the
// firmware's timer (time.ticks_us) reads it. A line with the cycle counts goes to stderr at exit and
// on SIGUSR1:  rp2040: cycles 123 (executed 120, idle 3) simulated 1.0e-6 s, wall 0.1 s, 1.2 Mcycles/s
//
// Hard resets (machine.reset(): the watchdog) restart the board with the same flash, as a power
// cycle; the USB serial reconnects. SEV is made to set the event register (rp2040js only logs it),
// so WFE after SEV on the same core does not sleep, as on the RP2040.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Simulator, USBCDC } from 'rp2040js';

const FLASH_BYTES = 2 * 1024 * 1024; // the Pico's W25Q16JV
const FLASH_BASE = 0x10000000;
const SECTOR = 4096;
const PAGE = 256;
const NANOS_PER_CYCLE = 8; // 125 MHz, as rp2040js's Simulator
const RP2040_FAMILY = 0xe48bff56;
const SAVE_DELAY_MS = 300; // flash written back this long after the last modification...
const SAVE_MAX_DELAY_MS = 2000; // ...or at most this long after the first unsaved one
const SLICE_MS = 25; // emulate this long between event-loop turns (stdin, signals, timers)

function log(message) {
  process.stderr.write(`rp2040: ${message}\n`);
}

class RunnerError extends Error {}

// ---- boot ROM ------------------------------------------------------------------------------

/** The B1 boot ROM from rp2040js's demo/bootrom.ts: `new Uint32Array([0x..., ...])`. */
function readBootrom(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RunnerError(`no boot ROM source at ${path} (${e.code}): run 'make deps' (it clones rp2040js there)`);
  }
  const m = /new Uint32Array\(\[([^\]]*)\]\)/.exec(text);
  const words = m ? m[1].match(/0x[0-9a-fA-F]{1,8}/g) : null;
  if (!words || words.length !== 4096) {
    throw new RunnerError(`${path}: expected a 'new Uint32Array([...])' of 4096 words (the 16 KiB RP2040 boot ROM)`);
  }
  const rom = Uint32Array.from(words, (w) => parseInt(w, 16));
  const bytes = new DataView(rom.buffer);
  // 0x10: 'M', 'u', 0x01 and the ROM version (pico-sdk bootrom.h, RP2040 datasheet 2.8.2)
  if (bytes.getUint16(0x10, true) !== 0x754d || bytes.getUint8(0x12) !== 1) {
    throw new RunnerError(`${path}: not an RP2040 boot ROM (no 'Mu' 0x01 magic at 0x10)`);
  }
  return rom;
}

// Flash functions of the ROM's function table (pico-sdk pico/bootrom.h ROM_FUNC_*), in BKPT order.
const FLASH_FUNCS = [
  ['IF', 'connect_internal_flash'],
  ['EX', 'flash_exit_xip'],
  ['RE', 'flash_range_erase'],
  ['RP', 'flash_range_program'],
  ['FC', 'flash_flush_cache'],
  ['CX', 'flash_enter_cmd_xip'],
];
const BKPT_BASE = 0xe0; // bkpt #0xe0 + index: ours; other codes are the firmware's own breakpoints

/** Overwrite the entry of each flash function (found through the ROM's function table: the 16-bit
 * pointer at 0x14 to (code, 16-bit function address) pairs ending with code 0) with `bkpt; bx lr`. */
function patchFlashFunctions(rom) {
  const view = new DataView(rom.buffer);
  const table = view.getUint16(0x14, true);
  const found = new Map();
  for (let at = table; at + 4 <= rom.byteLength; at += 4) {
    const code = view.getUint16(at, true);
    if (code === 0) break;
    found.set(String.fromCharCode(code & 0xff, code >> 8), view.getUint16(at + 2, true));
  }
  FLASH_FUNCS.forEach(([code, name], i) => {
    const fn = found.get(code);
    if (fn === undefined || !(fn & 1) || fn >= rom.byteLength) {
      throw new RunnerError(`boot ROM: no Thumb entry for ${name} ('${code}') in its function table at 0x${table.toString(16)}`);
    }
    view.setUint16(fn & ~1, 0xbe00 | (BKPT_BASE + i), true); // bkpt #(BKPT_BASE + i)
    view.setUint16((fn & ~1) + 2, 0x4770, true); // bx lr
  });
}

// ---- flash image ---------------------------------------------------------------------------

/** The board's flash: FLASH_BYTES of the emulator's flash array, persisted in a file. */
class FlashImage {
  constructor(path) {
    this.path = path;
    this.data = new Uint8Array(FLASH_BYTES).fill(0xff);
    this.dirtySince = 0;
    this.timer = null;
    this.created = false;
    let file = null;
    try {
      file = readFileSync(path);
    } catch (e) {
      if (e.code !== 'ENOENT') throw new RunnerError(`cannot read the flash image ${path}: ${e.message}`);
    }
    if (file === null) {
      this.created = true;
      this.save();
    } else if (file.length > FLASH_BYTES) {
      throw new RunnerError(`${path}: ${file.length} bytes, more than the ${FLASH_BYTES} of the Pico's flash`);
    } else {
      this.data.set(file);
    }
  }

  /** Keep the data in `flash` (the emulator's array) from now on. */
  attach(flash) {
    flash.set(this.data);
    this.data = flash.subarray(0, FLASH_BYTES);
  }

  check(offset, count, what) {
    if (offset < 0 || count < 0 || offset + count > FLASH_BYTES) {
      log(`${what} of ${count} bytes at flash offset 0x${offset.toString(16)}: outside the ${FLASH_BYTES / 1048576} MiB flash, ignored`);
      return false;
    }
    return true;
  }

  erase(offset, count) {
    const start = offset - (offset % SECTOR);
    const end = Math.ceil((offset + count) / SECTOR) * SECTOR;
    if (!this.check(start, end - start, 'erase')) return;
    this.data.fill(0xff, start, end);
    this.modified();
  }

  program(offset, bytes) {
    if (!this.check(offset, bytes.length, 'program')) return;
    for (let i = 0; i < bytes.length; i++) this.data[offset + i] &= bytes[i]; // NOR: bits only clear
    this.modified();
  }

  modified() {
    const now = Date.now();
    if (!this.dirtySince) this.dirtySince = now;
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(SAVE_DELAY_MS, this.dirtySince + SAVE_MAX_DELAY_MS - now));
    this.timer = setTimeout(() => this.save(), wait);
  }

  save() {
    clearTimeout(this.timer);
    this.timer = null;
    this.dirtySince = 0;
    const tmp = `${this.path}.tmp${process.pid}`;
    writeFileSync(tmp, this.data);
    renameSync(tmp, this.path);
  }

  flushIfDirty() {
    if (this.dirtySince) this.save();
  }
}

/** Program a UF2 file into the flash as the RP2040 bootloader does; a summary line. */
function programUF2(flash, path) {
  let uf2;
  try {
    uf2 = readFileSync(path);
  } catch (e) {
    throw new RunnerError(`cannot read the UF2 image ${path}: ${e.message}`);
  }
  if (uf2.length === 0 || uf2.length % 512) {
    throw new RunnerError(`${path}: ${uf2.length} bytes, not a sequence of 512-byte UF2 blocks`);
  }
  const erased = new Set();
  let written = 0;
  let skipped = 0;
  let low = Infinity;
  let high = 0;
  for (let at = 0; at < uf2.length; at += 512) {
    const block = uf2.subarray(at, at + 512);
    const word = (i) => block.readUInt32LE(i);
    if (word(0) !== 0x0a324655 || word(4) !== 0x9e5d5157 || word(508) !== 0x0ab16f30) {
      throw new RunnerError(`${path}: block ${at / 512} has no UF2 magic numbers`);
    }
    const flags = word(8);
    const addr = word(12);
    const size = word(16);
    if (flags & 0x1 || (flags & 0x2000 && word(28) !== RP2040_FAMILY)) {
      skipped++; // "not main flash", or another chip's block: the RP2040 bootloader ignores them
      continue;
    }
    const offset = addr - FLASH_BASE;
    if (size !== PAGE || offset % PAGE || offset < 0 || offset + PAGE > FLASH_BYTES) {
      throw new RunnerError(`${path}: block ${at / 512} writes ${size} bytes at 0x${addr.toString(16)}: ` +
        `the RP2040 bootloader takes 256-byte pages in its ${FLASH_BYTES / 1048576} MiB flash at 0x10000000`);
    }
    const sector = offset - (offset % SECTOR);
    if (!erased.has(sector)) {
      flash.erase(sector, SECTOR);
      erased.add(sector);
    }
    flash.program(offset, block.subarray(32, 32 + PAGE));
    written++;
    low = Math.min(low, addr);
    high = Math.max(high, addr + PAGE);
  }
  if (!written) throw new RunnerError(`${path}: no RP2040 flash blocks in this UF2`);
  flash.save();
  return `programmed ${path}: ${written} blocks (${(written * PAGE / 1024).toFixed(1)} KiB) at ` +
    `0x${low.toString(16)}..0x${high.toString(16)}${skipped ? `, ${skipped} blocks for other targets skipped` : ''}`;
}

// ---- USB serial ----------------------------------------------------------------------------

/** The device's USB CDC port, as a host sees it: bytes from the host are queued here and passed on
 * when the device arms its OUT endpoint; bytes from the device go to `output`. */
class UsbSerial {
  constructor(output) {
    this.output = output;
    this.queue = [];
    this.queued = 0;
    this.cdc = null;
    this.pendingReads = new Map(); // endpoint -> size, reads the device armed while we had nothing
    this.deliver = null;
  }

  connect(mcu) {
    const cdc = new USBCDC(mcu.usbCtrl);
    const usb = mcu.usbCtrl;
    this.cdc = cdc;
    this.pendingReads.clear();
    cdc.onSerialData = (bytes) => this.output(bytes);
    this.deliver = usb.onEndpointRead; // USBCDC's: answers at once with what its FIFO holds
    usb.onEndpointRead = (endpoint, size) => {
      this.refill();
      if (cdc.txFIFO.empty) this.pendingReads.set(endpoint, size);
      else this.deliver(endpoint, size);
    };
  }

  write(bytes) {
    this.queue.push(bytes);
    this.queued += bytes.length;
    this.refill();
    if (!this.cdc.txFIFO.empty && this.pendingReads.size) {
      const reads = [...this.pendingReads];
      this.pendingReads.clear();
      for (const [endpoint, size] of reads) this.deliver(endpoint, size);
    }
  }

  refill() {
    const fifo = this.cdc.txFIFO;
    while (this.queue.length && !fifo.full) {
      const head = this.queue[0];
      const n = Math.min(head.length, fifo.size - fifo.itemCount);
      for (let i = 0; i < n; i++) fifo.push(head[i]);
      this.queued -= n;
      if (n === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
    }
  }
}

// ---- the board -----------------------------------------------------------------------------

/** Log sink for rp2040js: stderr (warnings with --verbose), never stdout (the REPL's). */
function makeLogger(verbose, onSev) {
  const emit = (level, component, message) => log(`${level} [${component}] ${message}`);
  return {
    debug() {},
    info(component, message) {
      if (message === 'SEV') onSev();
    },
    warn(component, message) {
      if (verbose) emit('warning', component, message);
    },
    error(component, message) {
      emit('error', component, message);
    },
  };
}

/** An RP2040 with the patched ROM, the flash image and the USB serial; run() emulates. */
class Board {
  constructor(rom, flash, serial, options) {
    this.flash = flash;
    this.options = options;
    this.sim = new Simulator(); // for its RP2040 and SimulationClock; the loop below runs it
    const mcu = (this.mcu = this.sim.rp2040);
    mcu.logger = makeLogger(options.verbose, () => (mcu.core.eventRegistered = true));
    mcu.loadBootrom(rom); // resets the core and erases rp2040js's flash array: attach the image after
    flash.attach(mcu.flash);
    mcu.onBreak = (code) => this.onBreak(code);
    mcu.peripherals[0x40058].onWatchdogTrigger = () => (this.resetRequested = true);
    serial.connect(mcu);
    this.resetRequested = false;
    this.executed = 0; // cycles the core executed
    this.idleNanos = 0; // simulated time the core slept
    this.reportedBreaks = new Set();
    this.sleptAt = null; // simulated and wall time when the core went to sleep (paced idle)
    mcu.core.PC = FLASH_BASE; // boot2 at the start of flash, as rp2040js's MicroPython demo boots
  }

  onBreak(code) {
    const { core } = this.mcu;
    const r = core.registers;
    switch (code - BKPT_BASE) {
      case 2: // flash_range_erase(addr, count, block_size, block_cmd)
        this.flash.erase(r[0], r[1]);
        return;
      case 3: { // flash_range_program(addr, data, count)
        const bytes = new Uint8Array(r[2]);
        for (let i = 0; i < bytes.length; i++) bytes[i] = this.mcu.readUint8(r[1] + i);
        this.flash.program(r[0], bytes);
        return;
      }
      case 0: case 1: case 4: case 5: // no flash state to change: XIP reads always work here
        return;
      default: {
        const pc = (core.PC - 2) >>> 0;
        if (!this.reportedBreaks.has(pc)) {
          this.reportedBreaks.add(pc);
          log(`the firmware hit a breakpoint (bkpt #${code}) at 0x${pc.toString(16)} (a panic?): it continues`);
        }
      }
    }
  }

  get nanos() {
    return this.sim.clock.nanos;
  }

  /** Emulate for up to `ms` of wall time (wallNanos(): the wall clock). Returns how long to wait (ms)
   * before the next call: 0 to go on; a positive time when the core sleeps until an alarm it may not
   * reach yet (paced idle: from the moment the core goes to sleep, simulated time advances at most as
   * fast as the wall clock); Infinity when it sleeps with no alarm (until the host sends bytes). */
  run(ms, wallNanos) {
    const { core } = this.mcu;
    const { clock } = this.sim;
    const end = performance.now() + ms;
    let executed = 0;
    try {
      while (performance.now() < end && !this.resetRequested) {
        for (let i = 0; i < 20000; i++) {
          if (!core.waiting) {
            const cycles = core.executeInstruction();
            executed += cycles;
            clock.tick(cycles * NANOS_PER_CYCLE);
            continue;
          }
          const wait = this.sleep(wallNanos);
          if (wait !== 0) return wait;
        }
      }
      return 0;
    } finally {
      this.executed += executed;
    }
  }

  /** The core sleeps: advance the clock to its next alarm, if the pacing allows; 0 when done, else how
   * long to wait (ms), Infinity with no alarm. Every wakeup comes from an alarm fired here. */
  sleep(wallNanos) {
    const { core } = this.mcu;
    const { clock } = this.sim;
    let dt = clock.nanosToNextAlarm;
    if (dt <= 0) {
      clock.tick(0); // alarms due now
      dt = core.waiting ? clock.nanosToNextAlarm : 0;
      if (core.waiting && dt <= 0) return Infinity;
    }
    if (dt > 0 && !this.options.fastIdle) {
      this.sleptAt ??= { sim: clock.nanos, wall: wallNanos() };
      const ahead = clock.nanos + dt - (this.sleptAt.sim + wallNanos() - this.sleptAt.wall);
      if (ahead > 0) return ahead / 1e6;
    }
    clock.tick(dt);
    this.idleNanos += dt;
    if (!core.waiting) this.sleptAt = null;
    return 0;
  }
}

// ---- main ----------------------------------------------------------------------------------

function usage(message) {
  process.stderr.write(`runner.mjs: ${message}\n` +
    'usage: node runner.mjs --flash FILE [--uf2 FILE [--no-boot]] [--bootrom PATH] [--fast-idle] [--verbose]\n');
  process.exit(2);
}

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        flash: { type: 'string' },
        uf2: { type: 'string' },
        'no-boot': { type: 'boolean', default: false },
        bootrom: { type: 'string' },
        'fast-idle': { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
      },
    }).values;
  } catch (e) {
    usage(e.message);
  }
  if (!parsed.flash) usage('--flash FILE is required');
  if (parsed['no-boot'] && !parsed.uf2) usage('--no-boot goes with --uf2');
  const deps = process.env.TINYML_DEPS || join(homedir(), '.cache', 'tinyml');
  return {
    flash: parsed.flash,
    uf2: parsed.uf2,
    boot: !parsed['no-boot'],
    bootrom: parsed.bootrom || join(deps, 'rp2040js-v1.3.3', 'demo', 'bootrom.ts'),
    fastIdle: parsed['fast-idle'],
    verbose: parsed.verbose,
  };
}

function main() {
  const opts = options();
  // rp2040js reports a few things (SIO registers it lacks: the inter-core FIFO) with console.warn
  console.warn = (...args) => opts.verbose && log(`warning ${args.join(' ')}`);
  const flash = new FlashImage(opts.flash);
  if (flash.created) log(`created an erased flash image ${opts.flash}`);
  if (opts.uf2) log(programUF2(flash, opts.uf2));
  if (!opts.boot) return;
  const rom = readBootrom(opts.bootrom);
  patchFlashFunctions(rom);

  const t0 = performance.now();
  const wallNanos = () => (performance.now() - t0) * 1e6;
  const serial = new UsbSerial((bytes) => process.stdout.write(bytes));
  let board = new Board(rom, flash, serial, opts);
  let executed = 0; // cycles and simulated time of boards before the last reset
  let nanosBefore = 0;
  let idleBefore = 0;
  let pending = null; // the next step(): {kind: 'immediate' | 'timeout', handle}
  let stopped = false;

  const stats = () => {
    const nanos = nanosBefore + board.nanos;
    const cycles = Math.round(nanos / NANOS_PER_CYCLE);
    const wall = (performance.now() - t0) / 1000;
    const done = executed + board.executed;
    return `cycles ${cycles} (executed ${done}, idle ${Math.round((idleBefore + board.idleNanos) / NANOS_PER_CYCLE)}) ` +
      `simulated ${(nanos / 1e9).toFixed(6)} s, wall ${wall.toFixed(3)} s, ${(done / wall / 1e6).toFixed(2)} Mcycles/s executed`;
  };
  const schedule = (ms) => {
    pending = ms > 1
      ? { kind: 'timeout', handle: setTimeout(step, Math.min(ms, 1000)) }
      : { kind: 'immediate', handle: setImmediate(step) };
  };
  const step = () => {
    pending = null;
    if (stopped) return;
    const wait = board.run(SLICE_MS, wallNanos);
    if (board.resetRequested) {
      log('watchdog reset: restarting the board (same flash)');
      executed += board.executed;
      nanosBefore += board.nanos;
      idleBefore += board.idleNanos;
      board = new Board(rom, flash, serial, opts);
      schedule(0);
    } else if (wait !== Infinity) {
      schedule(wait);
    } // else: asleep with no alarm, until the host sends something
  };
  const stop = (why) => {
    if (stopped) return;
    stopped = true;
    flash.flushIfDirty();
    log(`${why}: ${stats()}`);
    process.exit(0);
  };

  process.stdin.on('data', (bytes) => {
    serial.write(bytes); // reaches the device through a USB alarm 10 us away: run now
    if (pending?.kind === 'timeout') {
      clearTimeout(pending.handle);
      pending = null;
    }
    if (pending === null) schedule(0);
  });
  process.stdin.on('end', () => stop('stdin closed'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => stop('SIGHUP'));
  process.on('SIGUSR1', () => log(stats()));
  log(`booting flash image ${opts.flash} (boot ROM from ${opts.bootrom})`);
  schedule(0);
}

try {
  main();
} catch (e) {
  if (!(e instanceof RunnerError)) throw e;
  log(e.message);
  process.exit(1);
}
