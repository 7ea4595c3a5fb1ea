#!/usr/bin/env python3
"""A cirque daemon driven from Python through stubs generated from proto/ (run.sh makes them).

Creates a home from examples/matter-topology.json (Cirque's create_home JSON, sent as
topology_json), pings one node from the other, puts 100 ms on the link both ways and pings
again, then stops the home. Prints what it measured; exits non-zero on any failure. When it
fails (or CIRQUE_RECORDING names a file), it saves the home's flight recording: a zip of every
frame, event and node log of the run (tshark -r its recording.pcapng).

    examples/python/run.sh [HOST:PORT]        (default 127.0.0.1:50051; CIRQUE_TOKEN if set)
"""
import os
import pathlib
import re
import sys

import grpc
from cirque.proto import link_pb2, recording_pb2, recording_pb2_grpc, service_pb2, service_pb2_grpc


def rtt_ms(output: str) -> float:
    """The average round trip of `ping`'s summary line."""
    return float(re.search(r"= [\d.]+/([\d.]+)/", output).group(1))


def save_recording(channel, home: str, path: str, metadata) -> None:
    """The home's recording (kept by the daemon after its stop) into a zip at `path`."""
    chunks = recording_pb2_grpc.RecordingServiceStub(channel).GetRecording(
        recording_pb2.RecordingRequest(home_id=home), metadata=metadata, timeout=120)
    with open(path, "wb") as out:
        for chunk in chunks:
            out.write(chunk.data)
    print(f"recording of home {home} saved in {path}")


def main() -> int:
    address = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051"
    token = os.environ.get("CIRQUE_TOKEN", "")
    metadata = [("authorization", "Bearer " + token)] if token else []
    topology = pathlib.Path(__file__).resolve().parent.parent / "matter-topology.json"
    with grpc.insecure_channel(address) as channel:
        cirque = service_pb2_grpc.CirqueServiceStub(channel)
        made = cirque.CreateCirqueHomeWithDevices(
            service_pb2.CreateCirqueHomeWithDevicesRequest(topology_json=topology.read_text()),
            metadata=metadata, timeout=300)
        home = made.home_id
        failed = True
        try:
            a, b = made.devices["device0"], made.devices["device1"]
            print(f"home {home}: device0 {a.device_description.ipv4_addr},"
                  f" device1 {b.device_description.ipv4_addr}")

            def ping() -> float:
                reply = cirque.ExecuteDeviceCommand(service_pb2.ExecuteDeviceCommandRequest(
                    home_id=home, device_id=a.device_id,
                    command=f"ping -c 3 -i 0.2 -W 5 {b.device_description.ipv4_addr}"),
                    metadata=metadata, timeout=60)
                return rtt_ms(reply.output)

            before = ping()
            cirque.SetLinkConditions(link_pb2.SetLinkConditionsRequest(
                home_id=home, from_device_id=a.device_id, to_device_id=b.device_id, both_ways=True,
                conditions=link_pb2.LinkConditions(latency_ms=100)), metadata=metadata, timeout=60)
            after = ping()
            print(f"rtt before {before:.1f} ms, with 100 ms each way {after:.1f} ms")
            if after < 195:
                print("the link's latency did not show", file=sys.stderr)
                return 1
            failed = False
        finally:
            cirque.StopCirqueHome(service_pb2.StopCirqueHomeRequest(home_id=home), metadata=metadata, timeout=300)
            print(f"home {home} stopped")
            if failed or os.environ.get("CIRQUE_RECORDING"):
                save_recording(channel, home, os.environ.get("CIRQUE_RECORDING") or f"cirque-recording-{home}.zip",
                               metadata)
    return 0


if __name__ == "__main__":
    sys.exit(main())
