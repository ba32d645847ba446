// SPDX-License-Identifier: MIT
// How long esptool-js (an independent client, its own ESP8266 stub, which the virtual
// board answers with our stub core) takes on espdeck-sim with the realistic timing model
// (no --fast) at 921600 baud: the seed layout (esp8266-reference / design.md: boot at 0x0,
// user1 at 0x1000, user2 at 0x101000, init data at 0x3FC000, blank at 0x3FE000 on a 4 MiB
// flash; firmware-sized machine code stands in for the vendor files) written compressed
// with esptool-js's MD5 check, then a 1 MiB read. Prints wall-clock seconds (the board
// runs in real time). Arguments: [espdeck-sim] (default $ESPDECK_SIM); $ESPDECK names the
// binary whose machine code stands in for the firmware (default: espdeck-sim itself).
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const interop = path.join(here, "../../tests/interop");
let ESPLoader, Transport, TcpSerialPort;
try {
  ({ ESPLoader, Transport } = await import(
    path.join(interop, "node_modules/esptool-js/lib/index.js")));
  ({ TcpSerialPort } = await import(path.join(interop, "tcp_serial.mjs")));
} catch (e) {
  console.log(`esptool-js is not installed (npm ci in tests/interop): ${e.message}`);
  process.exit(77);
}

const SIM = process.argv[2] || process.env.ESPDECK_SIM;
const code = fs.readFileSync(process.env.ESPDECK || SIM); // machine code, firmware-like
const slice = (off, n) => new Uint8Array(code.subarray(off, off + n));
const layout = [
  { address: 0x0, data: slice(0, 4080) },
  { address: 0x1000, data: slice(0x10000, 436 * 1024) },
  { address: 0x101000, data: slice(0x90000, 436 * 1024) },
  { address: 0x3fc000, data: slice(0x8000, 128) },
  { address: 0x3fe000, data: new Uint8Array(4096).fill(0xff) },
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "espdeck-bench-stub-"));
const portFile = path.join(dir, "port");
const sim = spawn(SIM, ["--tcp", "127.0.0.1:0", "--port-file", portFile, "--flash-size", "4MB",
  "--quiet"], { stdio: ["ignore", "ignore", "inherit"] });
let simExit = null;
sim.on("exit", (c) => (simExit = c));
const terminal = { clean() {}, writeLine() {}, write() {} };

try {
  let port = 0;
  for (let i = 0; i < 400 && !port; i++) {
    if (simExit !== null) throw new Error(`espdeck-sim exited with ${simExit}`);
    try {
      port = Number(fs.readFileSync(portFile, "utf8").trim());
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  const transport = new Transport(new TcpSerialPort("127.0.0.1", port), false);
  const loader = new ESPLoader({ transport, baudrate: 921600, romBaudrate: 115200, terminal });
  let t = performance.now();
  await loader.detectChip("default_reset");
  await loader.runStub();
  await loader.changeBaud();
  const connect = (performance.now() - t) / 1000;
  t = performance.now();
  await loader.writeFlash({
    fileArray: layout, flashMode: "keep", flashFreq: "keep", flashSize: "keep",
    eraseAll: false, compress: true,
    calculateMD5Hash: (d) => crypto.createHash("md5").update(d).digest("hex"),
  });
  const write = (performance.now() - t) / 1000;
  t = performance.now();
  const back = await loader.readFlash(0x1000, 1 << 20);
  const read = (performance.now() - t) / 1000;
  if (Buffer.compare(Buffer.from(back.subarray(0, layout[1].data.length)),
    Buffer.from(layout[1].data)) !== 0)
    throw new Error("read back differs from user1");
  await transport.disconnect();
  console.log(`esptool-js ${JSON.parse(fs.readFileSync(path.join(interop,
    "node_modules/esptool-js/package.json"))).version}, stub, 921600 baud, realistic timing`);
  console.log(`connect + stub + baud change  ${connect.toFixed(2)} s`);
  console.log(`seed layout (5 files, ${layout.reduce((a, f) => a + f.data.length, 0)} bytes, ` +
    `compressed, MD5 checked)  ${write.toFixed(2)} s`);
  console.log(`read 1 MiB  ${read.toFixed(2)} s`);
} finally {
  sim.kill("SIGTERM");
  await new Promise((r) => (simExit !== null ? r() : sim.on("exit", r)));
  fs.rmSync(dir, { recursive: true, force: true });
}
