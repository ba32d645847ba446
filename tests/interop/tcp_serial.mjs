// SPDX-License-Identifier: MIT
// A Web Serial SerialPort over a raw TCP connection (what espdeck-sim --tcp serves), so
// esptool-js, written for browsers, can run in Node. Only what esptool-js's Transport
// uses: open/close, readable/writable web streams, setSignals, getInfo. Raw TCP has no
// modem lines, so setSignals only records the calls; opening the port is the reset.
import net from "node:net";

export class TcpSerialPort {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.readable = null;
    this.writable = null;
    this.signals = [];
    this.opens = 0;
    this.socket = null;
  }

  getInfo() {
    return {};
  }

  async open(options) {
    if (this.socket) throw new DOMException("The port is already open.", "InvalidStateError");
    const socket = await new Promise((resolve, reject) => {
      const s = net.connect(this.port, this.host, () => resolve(s));
      s.once("error", reject);
    });
    socket.setNoDelay(true);
    this.socket = socket;
    this.baudRate = options.baudRate;
    this.opens++;
    let closed = false;
    this.readable = new ReadableStream({
      start(controller) {
        socket.on("data", (d) => {
          if (!closed) controller.enqueue(new Uint8Array(d));
        });
        const end = () => {
          if (closed) return;
          closed = true;
          try {
            controller.close();
          } catch {
            /* already closed by cancel */
          }
        };
        socket.on("end", end);
        socket.on("close", end);
        socket.on("error", (e) => {
          if (closed) return;
          closed = true;
          controller.error(new DOMException(e.message, "NetworkError"));
        });
      },
      cancel() {
        closed = true;
      },
    });
    this.writable = new WritableStream({
      write(chunk) {
        return new Promise((resolve, reject) =>
          socket.write(Buffer.from(chunk), (e) => (e ? reject(e) : resolve())),
        );
      },
    });
  }

  async setSignals(signals) {
    this.signals.push(signals);
  }

  async close() {
    if (!this.socket) return;
    const s = this.socket;
    this.socket = null;
    this.readable = null;
    this.writable = null;
    await new Promise((resolve) => {
      s.once("close", resolve);
      s.end();
      s.destroy();
    });
  }
}
