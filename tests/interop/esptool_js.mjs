// SPDX-License-Identifier: MIT
// Interop: Espressif's esptool-js (an independent client) drives espdeck-sim over TCP in
// ROM mode: connect and detect the chip, read the MAC and flash id, write several files at
// several offsets, then compare the backing file byte for byte with what a real ESP8266
// ROM leaves behind. esptool-js does not compensate the ROM's FLASH_BEGIN erase bug, so
// sectors past each file are erased too (reference §6.1); the test asserts exactly those.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
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
assert.ok(SIM, "ESPDECK_SIM must name the espdeck-sim binary");
const SECTOR = 4096;
const FLASH_SIZE = 1 << 20;
const FILL = 0xa5; // any byte but 0xFF, so every erase shows
const MAC = "5c:cf:7f:aa:bb:cc";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "espdeck-interop-"));
const flashPath = path.join(dir, "flash.bin");
const portFile = path.join(dir, "port");
fs.writeFileSync(flashPath, Buffer.alloc(FLASH_SIZE, FILL));

// Deterministic pseudo-random file contents (xorshift32).
function bytes(n, seed) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

// Offsets chosen to hit each shape of the bug: inside one 64 KiB block (doubled), across a
// block boundary from its last sector, and a long run with the reloaded counter.
const files = [
  { address: 0x10000, data: bytes(5000, 1) }, // 2 sectors asked, 4 erased
  { address: 0x1f000, data: bytes(4096, 2) }, // last sector of a block: 0x20000 goes too
  { address: 0x40000, data: bytes(20000, 3) }, // 5 asked, 10 erased
  { address: 0x81000, data: bytes(70000, 4) }, // 18 asked: 15 + 16 + 2 = 33 erased
];

function expectedFlash() {
  const f = Buffer.alloc(FLASH_SIZE, FILL);
  const erased = new Set();
  for (const { address, data } of files) {
    const size = Math.ceil(data.length / 4) * 4; // esptool-js pads to 4
    // The ROM's SPIEraseArea (reference §6.1), fed the unmodified size.
    const x = Math.ceil(size / SECTOR);
    let s = address / SECTOR;
    const head = Math.min(16 - (s % 16), x);
    const sectors = [];
    for (let i = 0; i < head; i++) sectors.push(s++);
    let left = x;
    while (left > 16) {
      for (let i = 0; i < 16; i++) sectors.push(s++);
      left -= 16;
    }
    while (left-- > 0) sectors.push(s++);
    for (const k of sectors) {
      f.fill(0xff, k * SECTOR, (k + 1) * SECTOR);
      erased.add(k);
    }
    const padded = Buffer.alloc(Math.ceil(data.length / 0x400) * 0x400, 0xff);
    padded.set(data);
    for (let i = 0; i < padded.length; i++) f[address + i] &= padded[i];
  }
  return { f, erased };
}

const sim = spawn(
  SIM,
  ["--tcp", "127.0.0.1:0", "--port-file", portFile, "--flash", flashPath,
   "--flash-size", "1MB", "--mac", MAC, "--fast", "--quiet"],
  { stdio: ["ignore", "ignore", "inherit"] },
);
let simExit = null;
sim.on("exit", (code) => (simExit = code));

async function waitPort() {
  for (let i = 0; i < 200; i++) {
    if (simExit !== null) throw new Error(`espdeck-sim exited with ${simExit}`);
    try {
      const t = fs.readFileSync(portFile, "utf8").trim();
      if (t) return Number(t);
    } catch {
      /* not written yet */
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("espdeck-sim did not write its port file");
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

let failed = false;
try {
  const port = await waitPort();
  const serial = new TcpSerialPort("127.0.0.1", port);
  const transport = new Transport(serial, false);
  const loader = new ESPLoader({ transport, baudrate: 115200, romBaudrate: 115200, terminal });

  await loader.detectChip("default_reset");
  assert.equal(loader.chip.CHIP_NAME, "ESP8266");
  assert.equal(loader.IS_STUB, false, "ROM mode only: no stub was uploaded");
  assert.equal(await loader.chip.getChipDescription(loader), "ESP8266EX");
  assert.equal(await loader.chip.readMac(loader), MAC);
  console.log(`detected ${loader.chip.CHIP_NAME}, MAC ${MAC}`);

  // esptool-js 0.7.0 gives the ESP8266 SPI_MOSI_DLEN_OFFS = 0 instead of null, so its
  // user-command recipe writes the bit lengths to SPI_CMD (base + 0) and leaves USER1 at
  // its reset value: one MISO bit, i.e. only the manufacturer byte is clocked in (W0 was
  // zeroed first). esptool (Python) sets USER1 and reads all 24 bits (tests/sim).
  const flashId = await loader.readFlashId();
  assert.equal(flashId, 0xef, `flash id 0x${flashId.toString(16)}`);

  await loader.writeFlash({
    fileArray: files.map((f) => ({ address: f.address, data: f.data })),
    flashMode: "keep",
    flashFreq: "keep",
    flashSize: "keep",
    eraseAll: false,
    compress: false,
  });
  await transport.disconnect();

  const got = fs.readFileSync(flashPath);
  const { f: want, erased } = expectedFlash();
  assert.equal(got.length, FLASH_SIZE);
  for (let i = 0; i < FLASH_SIZE; i++) {
    if (got[i] !== want[i]) {
      assert.fail(`flash differs at 0x${i.toString(16)}: got 0x${got[i].toString(16)}, ` +
        `want 0x${want[i].toString(16)}`);
    }
  }
  // The collateral erase a real chip shows, spelled out.
  const isErased = (a) => got.subarray(a, a + SECTOR).every((b) => b === 0xff);
  const untouched = (a) => got.subarray(a, a + SECTOR).every((b) => b === FILL);
  for (const a of [0x12000, 0x13000, 0x20000, 0x45000, 0x49000, 0xa0000, 0xa1000])
    assert.ok(isErased(a), `sector 0x${a.toString(16)} should be erased by the ROM bug`);
  for (const a of [0x14000, 0x21000, 0x4a000, 0xa2000, 0x0, 0xff000])
    assert.ok(untouched(a), `sector 0x${a.toString(16)} should be untouched`);
  assert.equal(erased.size, 4 + 2 + 10 + 33);
  console.log(`backing file matches: ${erased.size} sectors erased for ${files.length} files`);
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e.stack || e}`);
  console.error(log.slice(-20).join("\n"));
} finally {
  sim.kill("SIGTERM");
  await new Promise((r) => (simExit !== null ? r() : sim.on("exit", r)));
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
