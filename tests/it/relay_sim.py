#!/usr/bin/python3
"""A Modbus relay board for loaxa's tests, on Debian's python3-pymodbus 3.0.

    relay_sim.py (--tcp PORT | --rtu DEVICE) --log FILE [--control FILE]
                 [--ready FILE] [--slave N]

--tcp 0 picks a free port on 127.0.0.1; the port is written to --ready
(for RTU, "rtu"), once the board answers. 64 coils and 64 discrete inputs,
addressed from 0 (zero_mode). Every coil write is logged to --log, one line
each, with CLOCK_MONOTONIC and wall-clock milliseconds:

    MONO_MS WALL_MS coil ADDR 0|1        a write (or "coil ADDR 0 dropped")
    MONO_MS WALL_MS req FC MODE          a request, and the fault mode it met

Faults come from --control, a JSON file re-read whenever it changes:

    {"mode": "ok" | "silent" | "slow" | "exception" | "garbage",
     "delay_ms": 800,      slow: answer this late
     "exception": 4,       exception: this exception code (nothing is written)
     "garbage": "proto" | "short" | "function" | "noise",  (TCP replies)
     "stuck": [0],         coils that will not stay set (read back 0)
     "drop": {"0": 300},   coil falls back to 0 this long after it was set
     "inputs": {"5": 1}}   discrete inputs (the amplifier's fault input)
"""
import argparse
import asyncio
import json
import logging
import os
import struct
import sys
import time

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.pdu import ExceptionResponse
from pymodbus.server.async_io import (StartAsyncSerialServer,
                                      StartAsyncTcpServer)

NCOILS = 64


class Control:
    def __init__(self, path):
        self.path = path
        self.stamp = None
        self.cfg = {}

    def get(self):
        if not self.path:
            return self.cfg
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            stamp = None
        if stamp != self.stamp:
            self.stamp = stamp
            try:
                with open(self.path) as f:
                    self.cfg = json.load(f)
            except (OSError, ValueError):
                self.cfg = {}
        return self.cfg

    def mode(self):
        return self.get().get("mode", "ok")


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)

    def write(self, what):
        mono = time.clock_gettime(time.CLOCK_MONOTONIC) * 1000
        self.f.write("%.1f %.1f %s\n" % (mono, time.time() * 1000, what))


class Coils(ModbusSequentialDataBlock):
    def __init__(self, ctl, log):
        super().__init__(0, [False] * NCOILS)
        self.ctl, self.log = ctl, log
        self.drop_at = {}

    def _drops(self):
        now = time.monotonic()
        for a, t in list(self.drop_at.items()):
            if now >= t:
                del self.drop_at[a]
                super().setValues(a, [False])
                self.log.write("coil %d 0 dropped" % a)

    def getValues(self, address, count=1):
        self._drops()
        return super().getValues(address, count)

    def setValues(self, address, values):
        cfg = self.ctl.get()
        if cfg.get("mode") == "exception":
            return
        if not isinstance(values, list):
            values = [values]
        stuck = set(int(c) for c in cfg.get("stuck", []))
        drop = {int(k): v for k, v in cfg.get("drop", {}).items()}
        for i, v in enumerate(values):
            a, v = address + i, bool(v)
            self.log.write("coil %d %d" % (a, v))
            self.drop_at.pop(a, None)
            if v and a in stuck:
                v = False
            if v and a in drop:
                self.drop_at[a] = time.monotonic() + drop[a] / 1000.0
            super().setValues(a, [v])


class Inputs(ModbusSequentialDataBlock):
    def __init__(self, ctl):
        super().__init__(0, [False] * NCOILS)
        self.ctl = ctl

    def getValues(self, address, count=1):
        inputs = {int(k): bool(v) for k, v in self.ctl.get().get("inputs", {}).items()}
        return [inputs.get(address + i, False) for i in range(count)]


def manipulator(ctl, log, tcp):
    def manipulate(response):
        cfg = ctl.get()
        mode = cfg.get("mode", "ok")
        fc = response.function_code & 0x7F
        log.write("req %d %s" % (fc, mode))
        if mode == "silent":
            response.should_respond = False
        elif mode == "slow":
            time.sleep(cfg.get("delay_ms", 1000) / 1000.0)
        elif mode == "exception":
            exc = ExceptionResponse(fc, int(cfg.get("exception", 4)))
            exc.transaction_id = response.transaction_id
            exc.unit_id = response.unit_id
            return exc, False
        elif mode == "garbage" and tcp:
            kind = cfg.get("garbage", "noise")
            tid, uid = response.transaction_id, response.unit_id
            if kind == "proto":      # a whole write echo, wrong protocol id
                raw = struct.pack(">HHHBBHH", tid, 7, 6, uid, fc, 0, 0xFF00)
            elif kind == "short":    # says 6 bytes follow, sends 2
                raw = struct.pack(">HHHBB", tid, 0, 6, uid, fc)
            elif kind == "function":  # a reply to another function
                raw = struct.pack(">HHHBBBH", tid, 0, 5, uid, 3, 2, 0)
            else:
                raw = b"\xde\xad\xbe\xef" * 8
            return raw, True
        return response, False
    return manipulate


async def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--tcp", type=int)
    g.add_argument("--rtu")
    ap.add_argument("--log", required=True)
    ap.add_argument("--control")
    ap.add_argument("--ready")
    ap.add_argument("--slave", type=int, default=1)
    ap.add_argument("--baud", type=int, default=9600)
    args = ap.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL + 1)

    ctl, log = Control(args.control), Log(args.log)
    slave = ModbusSlaveContext(di=Inputs(ctl), co=Coils(ctl, log),
                               hr=ModbusSequentialDataBlock(0, [0] * 16),
                               ir=ModbusSequentialDataBlock(0, [0] * 16),
                               zero_mode=True)
    context = ModbusServerContext(slaves={args.slave: slave}, single=False)
    manip = manipulator(ctl, log, args.tcp is not None)
    if args.tcp is not None:
        server = await StartAsyncTcpServer(context=context, address=("127.0.0.1", args.tcp),
                                           defer_start=True, allow_reuse_address=True,
                                           ignore_missing_slaves=True,
                                           response_manipulator=manip)
        task = asyncio.create_task(server.serve_forever())
        await server.serving
        ready = str(server.server.sockets[0].getsockname()[1])
    else:
        server = await StartAsyncSerialServer(context=context, framer=ModbusRtuFramer,
                                              port=args.rtu, baudrate=args.baud,
                                              defer_start=True, ignore_missing_slaves=True,
                                              response_manipulator=manip)
        await server.start()
        if server.transport is None:
            sys.exit("relay_sim: cannot open %s" % args.rtu)
        task = None
        ready = "rtu"
    if args.ready:
        tmp = args.ready + ".tmp"
        with open(tmp, "w") as f:
            f.write(ready + "\n")
        os.rename(tmp, args.ready)
    if task:
        await task
    else:
        while True:
            await asyncio.sleep(3600)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
