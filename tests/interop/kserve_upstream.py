#!/usr/bin/python3
"""A small KServe v2 / Open Inference Protocol gRPC server used as "the upstream".

The Guard proxy forwards to this server in integration tests and in the demo.
It implements every GRPCInferenceService RPC plus grpc.health.v1.Health and
serves four test models:

  simple  Triton's example: OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1 (INT32).
  echo    returns every input unchanged, as an output of the same name.
  slow    like echo after sleeping `delay_ms` (request parameter, default 1000);
          creates the file `started_file` (optional parameter) when it starts.
  fail    aborts with status `code` (default 13) and message `message`.

Every inference response carries parameters describing what the server saw:
served_by, deadline_remaining_ms, md:<key> for each `x-*` metadata entry and
header_keys (all received metadata keys, sorted).

Once listening it prints exactly `READY <port>` on stdout; everything else
goes to stderr. SIGTERM/SIGINT stop it gracefully; SIGUSR1 toggles readiness
(ServerReady and health status, pushed to open Watch streams).
"""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
import threading
import time
from array import array
from concurrent import futures
from dataclasses import dataclass, field
from math import prod
from pathlib import Path
from typing import Callable, Iterable, Iterator

import grpc

HERE = Path(__file__).resolve().parent


def _load_stubs() -> None:
    # Regenerates only when stale; stdout is kept clean for the READY line.
    subprocess.run([str(HERE / "gen_stubs.sh")], check=True, stdout=sys.stderr)
    sys.path.insert(0, str(HERE / "gen"))


_load_stubs()

from guard_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from inference import grpc_service_pb2 as pb  # noqa: E402
from inference import grpc_service_pb2_grpc as pb_grpc  # noqa: E402

log = logging.getLogger("upstream")

MIB = 1024 * 1024
INFERENCE_SERVICE = "inference.GRPCInferenceService"
# grpcio reports "no deadline" as a time_remaining() of ~9.2e18 seconds.
NO_DEADLINE_THRESHOLD_S = 1e12
SLOW_POLL_S = 0.005

TensorMetadata = pb.ModelMetadataResponse.TensorMetadata
ServingStatus = health_pb2.HealthCheckResponse.ServingStatus


class ModelError(Exception):
    """A model-level failure: a gRPC status for ModelInfer, error_message for streams."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class CallEnded(Exception):
    """The client cancelled or the deadline passed while the model was working."""


def status_code_from_number(number: int) -> grpc.StatusCode | None:
    for code in grpc.StatusCode:
        if code.value[0] == number:
            return code
    return None


# --------------------------------------------------------------------------
# Request parameter helpers


def int_param(request: pb.ModelInferRequest, name: str, default: int) -> int:
    if name not in request.parameters:
        return default
    param = request.parameters[name]
    kind = param.WhichOneof("parameter_choice")
    if kind in ("int64_param", "uint64_param"):
        return int(getattr(param, kind))
    if kind == "string_param":
        try:
            return int(param.string_param)
        except ValueError:
            pass
    raise ModelError(grpc.StatusCode.INVALID_ARGUMENT, f"parameter '{name}' must be an integer")


def string_param(request: pb.ModelInferRequest, name: str, default: str) -> str:
    if name not in request.parameters:
        return default
    param = request.parameters[name]
    if param.WhichOneof("parameter_choice") != "string_param":
        raise ModelError(grpc.StatusCode.INVALID_ARGUMENT, f"parameter '{name}' must be a string")
    return param.string_param


# --------------------------------------------------------------------------
# Models


def check_raw_inputs(request: pb.ModelInferRequest) -> bool:
    """True when inputs are carried in raw_input_contents (then one entry per input)."""
    if not request.raw_input_contents:
        return False
    if len(request.raw_input_contents) != len(request.inputs):
        raise ModelError(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"expected {len(request.inputs)} raw_input_contents, got {len(request.raw_input_contents)}",
        )
    return True


def new_response(request: pb.ModelInferRequest) -> pb.ModelInferResponse:
    return pb.ModelInferResponse(
        model_name=request.model_name, model_version=request.model_version or "1", id=request.id
    )


def wrap_int32(value: int) -> int:
    return ((value + 2**31) % 2**32) - 2**31


def read_int32_tensor(request: pb.ModelInferRequest, index: int, raw: bool) -> list[int]:
    tensor = request.inputs[index]
    if tensor.datatype != "INT32":
        raise ModelError(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"input '{tensor.name}' has datatype {tensor.datatype}, expected INT32",
        )
    count = prod(tensor.shape)
    if raw:
        data = request.raw_input_contents[index]
        if len(data) != count * 4:
            raise ModelError(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"input '{tensor.name}' has {len(data)} bytes, expected {count * 4} for shape {list(tensor.shape)}",
            )
        values = array("i")
        values.frombytes(data)
        if sys.byteorder == "big":
            values.byteswap()
        return values.tolist()
    values_list = list(tensor.contents.int_contents)
    if len(values_list) != count:
        raise ModelError(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"input '{tensor.name}' has {len(values_list)} int_contents, expected {count}",
        )
    return values_list


def int32_bytes(values: Iterable[int]) -> bytes:
    packed = array("i", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def requested_outputs(request: pb.ModelInferRequest, available: list[str]) -> list[str]:
    """The outputs to return: all of them, or only those the request names."""
    if not request.outputs:
        return available
    names = [output.name for output in request.outputs]
    unknown = [name for name in names if name not in available]
    if unknown:
        raise ModelError(
            grpc.StatusCode.INVALID_ARGUMENT, f"unknown requested output(s): {', '.join(unknown)}"
        )
    return names


def infer_simple(request: pb.ModelInferRequest, context: grpc.ServicerContext) -> pb.ModelInferResponse:
    raw = check_raw_inputs(request)
    positions = {tensor.name: index for index, tensor in enumerate(request.inputs)}
    missing = [name for name in ("INPUT0", "INPUT1") if name not in positions]
    if missing:
        raise ModelError(grpc.StatusCode.INVALID_ARGUMENT, f"missing input(s): {', '.join(missing)}")
    shape0 = list(request.inputs[positions["INPUT0"]].shape)
    shape1 = list(request.inputs[positions["INPUT1"]].shape)
    if shape0 != shape1:
        raise ModelError(
            grpc.StatusCode.INVALID_ARGUMENT, f"INPUT0 shape {shape0} differs from INPUT1 shape {shape1}"
        )
    a = read_int32_tensor(request, positions["INPUT0"], raw)
    b = read_int32_tensor(request, positions["INPUT1"], raw)
    results = {
        "OUTPUT0": [wrap_int32(x + y) for x, y in zip(a, b)],
        "OUTPUT1": [wrap_int32(x - y) for x, y in zip(a, b)],
    }
    response = new_response(request)
    for name in requested_outputs(request, ["OUTPUT0", "OUTPUT1"]):
        response.outputs.add(name=name, datatype="INT32", shape=shape0)
        response.raw_output_contents.append(int32_bytes(results[name]))
    return response


def infer_echo(request: pb.ModelInferRequest, context: grpc.ServicerContext) -> pb.ModelInferResponse:
    raw = check_raw_inputs(request)
    response = new_response(request)
    wanted = set(requested_outputs(request, [tensor.name for tensor in request.inputs]))
    for index, tensor in enumerate(request.inputs):
        if tensor.name not in wanted:
            continue
        output = response.outputs.add(name=tensor.name, datatype=tensor.datatype, shape=tensor.shape)
        if raw:
            response.raw_output_contents.append(request.raw_input_contents[index])
        elif tensor.HasField("contents"):
            output.contents.CopyFrom(tensor.contents)
    return response


def wait_while_active(context: grpc.ServicerContext, delay_s: float) -> None:
    end = time.monotonic() + delay_s
    while (remaining := end - time.monotonic()) > 0:
        if not context.is_active():
            raise CallEnded()
        time.sleep(min(SLOW_POLL_S, remaining))


def infer_slow(request: pb.ModelInferRequest, context: grpc.ServicerContext) -> pb.ModelInferResponse:
    delay_ms = int_param(request, "delay_ms", 1000)
    started = time.monotonic()
    if started_file := string_param(request, "started_file", ""):
        # Lets a client act on a call the model is known to be working on, not on a guess of when it got here.
        Path(started_file).touch()
    try:
        wait_while_active(context, max(delay_ms, 0) / 1000)
    except CallEnded:
        elapsed_ms = round((time.monotonic() - started) * 1000)
        reason = "deadline" if deadline_remaining_ms(context) == 0 else "cancelled"
        # Tests look for this line to prove cancellation reached the upstream.
        log.info("slow: id=%s ended early (%s) after %d ms of %d ms", request.id, reason, elapsed_ms, delay_ms)
        raise
    response = infer_echo(request, context)
    response.parameters["completed"].bool_param = True
    return response


def infer_fail(request: pb.ModelInferRequest, context: grpc.ServicerContext) -> pb.ModelInferResponse:
    number = int_param(request, "code", grpc.StatusCode.INTERNAL.value[0])
    message = string_param(request, "message", "model failed")
    code = status_code_from_number(number)
    if code is None or code is grpc.StatusCode.OK:
        raise ModelError(grpc.StatusCode.INVALID_ARGUMENT, f"parameter 'code' must be 1..16, got {number}")
    raise ModelError(code, message)


# Models that take any tensors publish no inputs/outputs (no fixed signature), as dynamic KServe models do.
ANY_TENSOR: list[TensorMetadata] = []


@dataclass(frozen=True)
class Model:
    infer: Callable[[pb.ModelInferRequest, grpc.ServicerContext], pb.ModelInferResponse]
    inputs: list[TensorMetadata] = field(default_factory=lambda: ANY_TENSOR)
    outputs: list[TensorMetadata] = field(default_factory=lambda: ANY_TENSOR)


def _int32_tensors(*names: str) -> list[TensorMetadata]:
    return [TensorMetadata(name=name, datatype="INT32", shape=[1, 16]) for name in names]


MODELS: dict[str, Model] = {
    "simple": Model(infer_simple, _int32_tensors("INPUT0", "INPUT1"), _int32_tensors("OUTPUT0", "OUTPUT1")),
    "echo": Model(infer_echo),
    "slow": Model(infer_slow),
    "fail": Model(infer_fail, outputs=[]),
}


def find_model(name: str) -> Model:
    model = MODELS.get(name)
    if model is None:
        raise ModelError(grpc.StatusCode.NOT_FOUND, f"unknown model '{name}'")
    return model


# --------------------------------------------------------------------------
# Per-call observations reported back in response parameters


def deadline_remaining_ms(context: grpc.ServicerContext) -> int:
    remaining = context.time_remaining()
    if remaining is None or remaining > NO_DEADLINE_THRESHOLD_S:
        return -1
    return max(0, round(remaining * 1000))


def metadata_value_text(value: str | bytes) -> str:
    # grpcio hands -bin values over as decoded bytes and all others as str.
    return value.hex() if isinstance(value, bytes) else value


def add_observations(response: pb.ModelInferResponse, context: grpc.ServicerContext, server_name: str) -> None:
    params = response.parameters
    params["served_by"].string_param = server_name
    params["deadline_remaining_ms"].int64_param = deadline_remaining_ms(context)
    metadata = context.invocation_metadata() or ()
    seen: dict[str, list[str]] = {}
    for entry in metadata:
        if entry.key.startswith("x-"):
            seen.setdefault(entry.key, []).append(metadata_value_text(entry.value))
    for key, values in seen.items():
        params[f"md:{key}"].string_param = ",".join(values)
    params["header_keys"].string_param = ",".join(sorted(entry.key for entry in metadata))


def apply_requested_compression(context: grpc.ServicerContext) -> None:
    for entry in context.invocation_metadata() or ():
        if entry.key == "x-want-compression" and entry.value == "gzip":
            context.set_compression(grpc.Compression.Gzip)
            return


# --------------------------------------------------------------------------
# Readiness shared by ServerReady and the health service


class Readiness:
    def __init__(self, ready: bool) -> None:
        self._ready = ready
        self._changed = threading.Condition()

    @property
    def ready(self) -> bool:
        return self._ready

    def toggle(self) -> bool:
        with self._changed:
            self._ready = not self._ready
            self._changed.notify_all()
            return self._ready

    def wait_for_change(self, current: bool, timeout_s: float) -> bool:
        with self._changed:
            self._changed.wait_for(lambda: self._ready != current, timeout=timeout_s)
            return self._ready


# --------------------------------------------------------------------------
# Services


class InferenceService(pb_grpc.GRPCInferenceServiceServicer):
    def __init__(self, name: str, readiness: Readiness) -> None:
        self._name = name
        self._readiness = readiness

    def ServerLive(self, request, context):
        apply_requested_compression(context)
        return pb.ServerLiveResponse(live=True)

    def ServerReady(self, request, context):
        apply_requested_compression(context)
        return pb.ServerReadyResponse(ready=self._readiness.ready)

    def ModelReady(self, request, context):
        apply_requested_compression(context)
        return pb.ModelReadyResponse(ready=request.name in MODELS)

    def ServerMetadata(self, request, context):
        apply_requested_compression(context)
        return pb.ServerMetadataResponse(name=self._name, version="1.0", extensions=[])

    def ModelMetadata(self, request, context):
        apply_requested_compression(context)
        model = MODELS.get(request.name)
        if model is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown model '{request.name}'")
        return pb.ModelMetadataResponse(
            name=request.name, versions=["1"], platform="python", inputs=model.inputs, outputs=model.outputs
        )

    def ModelInfer(self, request, context):
        apply_requested_compression(context)
        try:
            response = find_model(request.model_name).infer(request, context)
        except ModelError as error:
            context.abort(error.code, error.message)
        except CallEnded:
            return pb.ModelInferResponse()  # grpcio discards it: the call is already over
        add_observations(response, context, self._name)
        return response

    def ModelStreamInfer(self, request_iterator, context) -> Iterator[pb.ModelStreamInferResponse]:
        apply_requested_compression(context)
        for request in request_iterator:
            try:
                response = find_model(request.model_name).infer(request, context)
            except ModelError as error:
                yield pb.ModelStreamInferResponse(error_message=error.message)
                continue
            except CallEnded:
                return
            add_observations(response, context, self._name)
            yield pb.ModelStreamInferResponse(infer_response=response)


class HealthService(health_pb2_grpc.HealthServicer):
    KNOWN_SERVICES = ("", INFERENCE_SERVICE)

    def __init__(self, readiness: Readiness) -> None:
        self._readiness = readiness

    def _status(self, ready: bool) -> int:
        return ServingStatus.SERVING if ready else ServingStatus.NOT_SERVING

    def Check(self, request, context):
        apply_requested_compression(context)
        if request.service not in self.KNOWN_SERVICES:
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service '{request.service}'")
        return health_pb2.HealthCheckResponse(status=self._status(self._readiness.ready))

    def Watch(self, request, context):
        apply_requested_compression(context)
        if request.service not in self.KNOWN_SERVICES:
            # Per the health spec, Watch reports SERVICE_UNKNOWN instead of failing.
            yield health_pb2.HealthCheckResponse(status=ServingStatus.SERVICE_UNKNOWN)
            while context.is_active():
                time.sleep(0.2)
            return
        ready = self._readiness.ready
        yield health_pb2.HealthCheckResponse(status=self._status(ready))
        while context.is_active():
            now = self._readiness.wait_for_change(ready, timeout_s=0.2)
            if now != ready:
                ready = now
                yield health_pb2.HealthCheckResponse(status=self._status(ready))


# --------------------------------------------------------------------------
# Startup


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0 = pick a free one)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--name", default="upstream", help="server name (ServerMetadata, served_by)")
    parser.add_argument("--not-ready", action="store_true", help="start not ready (ServerReady false, NOT_SERVING)")
    parser.add_argument("--max-message-mb", type=int, default=128)
    parser.add_argument("--workers", type=int, default=64, help="thread pool size")
    parser.add_argument("--tls-cert", type=Path, help="PEM certificate chain (enables TLS)")
    parser.add_argument("--tls-key", type=Path, help="PEM private key")
    parser.add_argument(
        "--exit-on-stdin-close", action="store_true", help="stop when stdin reaches EOF (parent went away)"
    )
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    return args


def bind_address(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def build_server(args: argparse.Namespace, readiness: Readiness) -> tuple[grpc.Server, int]:
    max_bytes = args.max_message_mb * MIB
    options = [
        ("grpc.max_send_message_length", max_bytes),
        ("grpc.max_receive_message_length", max_bytes),
        # grpcio enables SO_REUSEPORT by default, which would let two servers share a port silently.
        ("grpc.so_reuseport", 0),
    ]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=args.workers), options=options)
    pb_grpc.add_GRPCInferenceServiceServicer_to_server(InferenceService(args.name, readiness), server)
    health_pb2_grpc.add_HealthServicer_to_server(HealthService(readiness), server)
    address = bind_address(args.host, args.port)
    if args.tls_cert:
        credentials = grpc.ssl_server_credentials([(args.tls_key.read_bytes(), args.tls_cert.read_bytes())])
        port = server.add_secure_port(address, credentials)
    else:
        port = server.add_insecure_port(address)
    if port == 0:
        raise RuntimeError(f"could not bind {address}")
    return server, port


def install_signal_handlers(stop: threading.Event, readiness: Readiness) -> None:
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def toggle(*_: object) -> None:
        log.info("readiness is now %s", readiness.toggle())

    signal.signal(signal.SIGUSR1, toggle)


def watch_stdin(stop: threading.Event) -> None:
    def run() -> None:
        while sys.stdin.buffer.read(4096):
            pass
        stop.set()

    threading.Thread(target=run, name="stdin-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    label = args.name.replace("%", "%%")  # the name goes into a logging format string
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format=f"%(asctime)s upstream[{label}]: %(message)s")
    readiness = Readiness(ready=not args.not_ready)
    stop = threading.Event()
    install_signal_handlers(stop, readiness)
    try:
        server, port = build_server(args, readiness)
    except (RuntimeError, OSError) as error:
        print(f"kserve_upstream: {error}", file=sys.stderr)
        return 1
    server.start()
    print(f"READY {port}", flush=True)
    log.info("%s listening on %s (tls=%s)", args.name, bind_address(args.host, port), bool(args.tls_cert))
    if args.exit_on_stdin_close:
        watch_stdin(stop)
    while not stop.wait(1.0):
        pass
    log.info("%s stopping", args.name)
    server.stop(grace=2.0).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
