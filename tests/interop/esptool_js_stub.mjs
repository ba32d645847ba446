// SPDX-License-Identifier: MIT
// Interop: Espressif's esptool-js (an independent client) drives espdeck-sim over TCP
// through a flasher stub, in two sessions:
//  A. esptool-js uploads its own ESP8266 stub (esptool's legacy stub, loaded at
//     0x4010D000); the board answers it with our stub core: OHAI, a baud change, compressed
//     writes at aligned and unaligned offsets verified by esptool-js's MD5 check, a read.
//  B. our own stub (the blob espdeck embeds, written out by stub-blob-dump) is uploaded and
//     started first; esptool-js then finds it with SYNC ("stub already running"), uses it
//     without uploading its own, and reads and writes through it.
// After each session the backing file must hold exactly the written data: the stub erases
// only the sectors of the data and keeps the rest of a sector it covers in part.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { TcpSerialPort } from "./tcp_serial.mjs";

let ESPLoader, Transport;
try {
  ({ ESPLoader, Transport } = await import("esptool-js"));
} catch (e) {
  console.log(`esptool-js is not installed (run npm ci in tests/interop): ${e.message}`);
  process.exit(77); // meson: skipped
}

const SIM = process.env.ESPDECK_SIM;
const BLOB_DUMP = process.env.STUB_BLOB_DUMP;
assert.ok(SIM, "ESPDECK_SIM must name the espdeck-sim binary");
const FLASH_SIZE = 1 << 20;
const FILL = 0xa5;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "espdeck-interop-stub-"));

function bytes(n, seed) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = (i >> 9) & 1 ? x & 0xff : (i >> 6) & 0xff; // half random, half runs
  }
  return out;
}

const md5hex = (d) => crypto.createHash("md5").update(d).digest("hex");

function startSim(name, flashPath) {
  const portFile = path.join(dir, `${name}.port`);
  const sim = spawn(
    SIM,
    ["--tcp", "127.0.0.1:0", "--port-file", portFile, "--flash", flashPath, "--flash-size",
     "1MB", "--fast", "--quiet"],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const state = { sim, exit: null };
  sim.on("exit", (code) => (state.exit = code));
  state.port = async () => {
    for (let i = 0; i < 200; i++) {
      if (state.exit !== null) throw new Error(`espdeck-sim exited with ${state.exit}`);
      try {
        const t = fs.readFileSync(portFile, "utf8").trim();
        if (t) return Number(t);
      } catch {
        /* not written yet */
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error("espdeck-sim did not write its port file");
  };
  state.stop = async () => {
    sim.kill("SIGTERM");
    await new Promise((r) => (state.exit !== null ? r() : sim.on("exit", r)));
  };
  return state;
}

const log = [];
const terminal = {
  clean() {},
  writeLine(s) {
    log.push(s);
  },
  write(s) {
    log.push(s);
  },
};

// What the flash must hold: FILL, the files over it (esptool-js pads each to 4 with 0xFF).
function expected(files) {
  const f = Buffer.alloc(FLASH_SIZE, FILL);
  for (const { address, data } of files) {
    f.fill(0xff, address, address + Math.ceil(data.length / 4) * 4);
    f.set(data, address);
  }
  return f;
}

function compareFlash(flashPath, want) {
  const got = fs.readFileSync(flashPath);
  assert.equal(got.length, FLASH_SIZE);
  for (let i = 0; i < FLASH_SIZE; i++) {
    if (got[i] !== want[i]) {
      assert.fail(`flash differs at 0x${i.toString(16)}: got 0x${got[i].toString(16)}, ` +
        `want 0x${want[i].toString(16)}`);
    }
  }
}

async function write(loader, files) {
  await loader.writeFlash({
    fileArray: files,
    flashMode: "keep",
    flashFreq: "keep",
    flashSize: "keep",
    eraseAll: false,
    compress: true,
    calculateMD5Hash: (image) => md5hex(image), // esptool-js compares with the stub's MD5
  });
}

async function sessionA() {
  const flashPath = path.join(dir, "a.bin");
  fs.writeFileSync(flashPath, Buffer.alloc(FLASH_SIZE, FILL));
  const sim = startSim("a", flashPath);
  try {
    const transport = new Transport(new TcpSerialPort("127.0.0.1", await sim.port()), false);
    const loader = new ESPLoader({ transport, baudrate: 460800, romBaudrate: 115200, terminal });
    await loader.detectChip("default_reset");
    assert.equal(loader.chip.CHIP_NAME, "ESP8266");
    await loader.runStub();
    assert.equal(loader.IS_STUB, true, "esptool-js's stub did not start (no OHAI)");
    await loader.changeBaud();
    assert.equal(loader.IS_STUB, true, "the stub stopped answering after the baud change");
    const files = [
      { address: 0x10000, data: bytes(5000, 1) },
      { address: 0x20800, data: bytes(3001, 2) }, // inside a sector: its neighbours stay
      { address: 0x40000, data: bytes(70000, 3) },
    ];
    await write(loader, files);
    const back = await loader.readFlash(0x20000, 0x2000);
    const want = expected(files);
    assert.deepEqual(Buffer.from(back), want.subarray(0x20000, 0x22000));
    assert.equal(await loader.flashMd5sum(0x40000, 70000), md5hex(files[2].data));
    await transport.disconnect();
    compareFlash(flashPath, want);
    console.log("A: esptool-js's stub via the stub core: baud change, 3 compressed writes, " +
      "read, MD5: flash exact");
  } finally {
    await sim.stop();
  }
}

// Our blob as stub-blob-dump writes it: segment files and their addresses, then the entry.
function ourBlob() {
  if (!BLOB_DUMP) return null;
  const out = path.join(dir, "blob");
  fs.mkdirSync(out);
  const r = spawnSync(BLOB_DUMP, [out], { encoding: "utf8" });
  if (r.status === 2) return null;
  assert.equal(r.status, 0, `stub-blob-dump failed: ${r.stderr}`);
  const segs = [];
  let entry = null;
  for (const line of r.stdout.trim().split("\n")) {
    const [name, addr] = line.trim().split(/\s+/);
    if (name === "entry") entry = Number(addr);
    else segs.push({ addr: Number(addr), data: fs.readFileSync(path.join(out, name)) });
  }
  return { segs, entry };
}

async function sessionB(blob) {
  const flashPath = path.join(dir, "b.bin");
  fs.writeFileSync(flashPath, Buffer.alloc(FLASH_SIZE, FILL));
  const sim = startSim("b", flashPath);
  try {
    const transport = new Transport(new TcpSerialPort("127.0.0.1", await sim.port()), false);
    const loader = new ESPLoader({ transport, baudrate: 115200, romBaudrate: 115200, terminal });
    await loader.detectChip("default_reset");
    // Start our stub through the ROM loader, as espdeck will.
    for (const { addr, data } of blob.segs) {
      const blocks = Math.ceil(data.length / loader.ESP_RAM_BLOCK);
      await loader.memBegin(data.length, blocks, loader.ESP_RAM_BLOCK, addr);
      for (let seq = 0; seq < blocks; seq++) {
        await loader.memBlock(
          data.subarray(seq * loader.ESP_RAM_BLOCK, (seq + 1) * loader.ESP_RAM_BLOCK), seq);
      }
    }
    await loader.memFinish(blob.entry);
    const ohai = await transport.read(3000);
    assert.equal(String.fromCharCode(...ohai), "OHAI");
    // esptool-js now finds a running stub with SYNC (every reply's value is 0) ...
    await loader.sync();
    assert.equal(loader.syncStubDetected, true, "SYNC did not show a running stub");
    // ... and uses it instead of uploading its own.
    await loader.runStub();
    assert.equal(loader.IS_STUB, true);
    assert.ok(log.some((l) => /already running/.test(l)), "esptool-js uploaded its own stub");
    const files = [
      { address: 0x3000, data: bytes(9999, 4) },
      { address: 0x80123, data: bytes(4000, 5) },
    ];
    await write(loader, files);
    const want = expected(files);
    const back = await loader.readFlash(0x80000, 0x2000);
    assert.deepEqual(Buffer.from(back), want.subarray(0x80000, 0x82000));
    await transport.disconnect();
    compareFlash(flashPath, want);
    console.log("B: our stub found by esptool-js's SYNC: 2 compressed writes, read: flash exact");
  } finally {
    await sim.stop();
  }
}

let failed = false;
try {
  await sessionA();
  const blob = ourBlob();
  if (blob) await sessionB(blob);
  else console.log("B skipped: this build embeds no stub (no xtensa cross compiler)");
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e.stack || e}`);
  console.error(log.slice(-30).join("\n"));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
