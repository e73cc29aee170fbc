#!/usr/bin/python3
"""grpcio client checks against a KServe v2 gRPC endpoint (Guard, or an upstream directly).

Usage:
  client_checks.py --target HOST:PORT [--tls-ca FILE [--tls-cert FILE --tls-key FILE]] [--metadata k=v]... CHECK [options]

Each check prints ONE line of JSON, {"ok": bool, "check": NAME, ...}, and exits
0 when it observed what it expects, 1 otherwise (then with a "reason"). gRPC
errors are reported as {"code": "<StatusCode name>", "details": "..."}.
Run `client_checks.py --help` or `client_checks.py CHECK --help` for the list.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import grpc

HERE = Path(__file__).resolve().parent


def _load_stubs() -> None:
    subprocess.run([str(HERE / "gen_stubs.sh")], check=True, stdout=sys.stderr)
    sys.path.insert(0, str(HERE / "gen"))


_load_stubs()

from guard_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from inference import grpc_service_pb2 as pb  # noqa: E402
from inference import grpc_service_pb2_grpc as pb_grpc  # noqa: E402

MIB = 1024 * 1024
MAX_MESSAGE_BYTES = 256 * MIB
SIMPLE_SHAPE = [1, 16]
HEALTH_STATUSES = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"]

Details = dict[str, Any]


class CheckFailed(Exception):
    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


@dataclass
class Context:
    channel: grpc.Channel
    stub: pb_grpc.GRPCInferenceServiceStub
    health: health_pb2_grpc.HealthStub
    metadata: list[tuple[str, str | bytes]]
    timeout_s: float


# --------------------------------------------------------------------------
# Helpers


def rpc_error(error: grpc.RpcError) -> Details:
    return {"code": error.code().name, "details": error.details()}


def parse_metadata_pair(text: str) -> tuple[str, str | bytes]:
    """'key=value'; for keys ending in -bin the value is hex."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    if key.endswith("-bin"):
        try:
            return key, bytes.fromhex(value)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"{key}: value must be hex ({error})") from None
    return key, value


def params_to_dict(params: Any) -> Details:
    return {key: getattr(value, value.WhichOneof("parameter_choice")) for key, value in sorted(params.items())}


def int32_bytes(values: list[int]) -> bytes:
    packed = array("i", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def int32_values(data: bytes) -> list[int]:
    values = array("i")
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


def elapsed_ms_since(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)


def expect_error(call: Callable[[], Any]) -> grpc.RpcError:
    """Runs `call`, which must fail with a gRPC error; returns that error."""
    try:
        response = call()
    except grpc.RpcError as error:
        return error
    raise CheckFailed("call succeeded but an error was expected", response=str(response)[:500])


def simple_request(a: list[int], b: list[int], request_id: str, typed: bool = False) -> pb.ModelInferRequest:
    request = pb.ModelInferRequest(model_name="simple", id=request_id)
    for name, values in (("INPUT0", a), ("INPUT1", b)):
        tensor = request.inputs.add(name=name, datatype="INT32", shape=SIMPLE_SHAPE)
        if typed:
            tensor.contents.int_contents.extend(values)
        else:
            request.raw_input_contents.append(int32_bytes(values))
    return request


def simple_inputs(seed: int) -> tuple[list[int], list[int]]:
    # Different values per input and per seed, so swapped inputs or mixed-up responses show.
    a = [seed + i for i in range(16)]
    b = [3 * i - 7 - seed for i in range(16)]
    return a, b


def output_int32(response: pb.ModelInferResponse, name: str) -> list[int] | None:
    for index, tensor in enumerate(response.outputs):
        if tensor.name != name:
            continue
        if tensor.datatype != "INT32" or list(tensor.shape) != SIMPLE_SHAPE:
            return None
        if response.raw_output_contents:
            return int32_values(response.raw_output_contents[index])
        return list(tensor.contents.int_contents)
    return None


def simple_mismatch(response: pb.ModelInferResponse, a: list[int], b: list[int], request_id: str) -> str | None:
    """None when `response` is the correct answer to simple_request(a, b, request_id)."""
    if response.id != request_id:
        return f"response id {response.id!r} != request id {request_id!r}"
    expected = {"OUTPUT0": [x + y for x, y in zip(a, b)], "OUTPUT1": [x - y for x, y in zip(a, b)]}
    for name, values in expected.items():
        got = output_int32(response, name)
        if got != values:
            return f"{name} is {got}, expected {values}"
    return None


def echo_request(model: str, data: bytes, request_id: str) -> pb.ModelInferRequest:
    request = pb.ModelInferRequest(model_name=model, id=request_id)
    request.inputs.add(name="INPUT0", datatype="FP32", shape=[len(data) // 4])
    request.raw_input_contents.append(data)
    return request


def slow_request(delay_ms: int, request_id: str) -> pb.ModelInferRequest:
    request = echo_request("slow", b"\x00\x00\x80\x3f" * 4, request_id)
    request.parameters["delay_ms"].int64_param = delay_ms
    return request


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# --------------------------------------------------------------------------
# Checks. Each returns the details to report or raises CheckFailed.


def check_live(ctx: Context, args: argparse.Namespace) -> Details:
    response = ctx.stub.ServerLive(pb.ServerLiveRequest(), metadata=ctx.metadata, timeout=ctx.timeout_s)
    if not response.live:
        raise CheckFailed("server is not live", live=False)
    return {"live": True}


def check_ready(ctx: Context, args: argparse.Namespace) -> Details:
    response = ctx.stub.ServerReady(pb.ServerReadyRequest(), metadata=ctx.metadata, timeout=ctx.timeout_s)
    if response.ready != args.expect:
        raise CheckFailed(f"ready is {response.ready}, expected {args.expect}", ready=response.ready)
    return {"ready": response.ready}


def check_server_metadata(ctx: Context, args: argparse.Namespace) -> Details:
    response = ctx.stub.ServerMetadata(pb.ServerMetadataRequest(), metadata=ctx.metadata, timeout=ctx.timeout_s)
    details = {"name": response.name, "version": response.version, "extensions": list(response.extensions)}
    if not response.name:
        raise CheckFailed("server metadata has no name", **details)
    if args.expect_name is not None and response.name != args.expect_name:
        raise CheckFailed(f"name is {response.name!r}, expected {args.expect_name!r}", **details)
    return details


def check_model_ready(ctx: Context, args: argparse.Namespace) -> Details:
    request = pb.ModelReadyRequest(name=args.model, version=args.version)
    response = ctx.stub.ModelReady(request, metadata=ctx.metadata, timeout=ctx.timeout_s)
    details = {"model": args.model, "ready": response.ready}
    if response.ready != args.expect:
        raise CheckFailed(f"ready is {response.ready}, expected {args.expect}", **details)
    return details


def tensor_metadata(tensors: Any) -> list[Details]:
    return [{"name": t.name, "datatype": t.datatype, "shape": list(t.shape)} for t in tensors]


def check_model_metadata(ctx: Context, args: argparse.Namespace) -> Details:
    request = pb.ModelMetadataRequest(name=args.model, version=args.version)
    response = ctx.stub.ModelMetadata(request, metadata=ctx.metadata, timeout=ctx.timeout_s)
    metadata = {
        "name": response.name,
        "versions": list(response.versions),
        "platform": response.platform,
        "inputs": tensor_metadata(response.inputs),
        "outputs": tensor_metadata(response.outputs),
    }
    if response.name != args.model:
        raise CheckFailed(f"metadata is for {response.name!r}, not {args.model!r}", metadata=metadata)
    return {"metadata": metadata}


def check_infer_simple(ctx: Context, args: argparse.Namespace) -> Details:
    a, b = simple_inputs(seed=5)
    request_id = new_id("infer-simple")
    request = simple_request(a, b, request_id, typed=args.typed)
    response = ctx.stub.ModelInfer(request, metadata=ctx.metadata, timeout=ctx.timeout_s)
    details = {"id": response.id, "model_name": response.model_name, "parameters": params_to_dict(response.parameters)}
    problem = simple_mismatch(response, a, b, request_id)
    if problem:
        raise CheckFailed(problem, **details)
    return details


def echo_payload(size: int, seed: int, compressible: bool) -> bytes:
    if compressible:
        pattern = bytes(range(256)) * 16
        return (pattern * (size // len(pattern) + 1))[:size]
    return random.Random(seed).randbytes(size)


def check_infer_echo(ctx: Context, args: argparse.Namespace) -> Details:
    size = int(args.mb * MIB) // 4 * 4
    data = echo_payload(size, args.seed, args.compressible)
    metadata = list(ctx.metadata)
    compression = None
    if args.gzip:
        compression = grpc.Compression.Gzip
        metadata.append(("x-want-compression", "gzip"))
    request_id = new_id("infer-echo")
    start = time.monotonic()
    response = ctx.stub.ModelInfer(
        echo_request("echo", data, request_id), metadata=metadata, timeout=ctx.timeout_s, compression=compression
    )
    details: Details = {"bytes": size, "gzip": args.gzip, "elapsed_ms": elapsed_ms_since(start)}
    del data  # keep peak memory down for very large payloads before regenerating
    details["parameters"] = {k: v for k, v in params_to_dict(response.parameters).items() if k != "header_keys"}
    expected = echo_payload(size, args.seed, args.compressible)
    if response.id != request_id:
        raise CheckFailed(f"response id {response.id!r} != {request_id!r}", **details)
    if len(response.outputs) != 1 or len(response.raw_output_contents) != 1:
        raise CheckFailed(
            f"expected 1 output with raw contents, got {len(response.outputs)} outputs "
            f"and {len(response.raw_output_contents)} raw contents",
            **details,
        )
    output = response.outputs[0]
    if (output.name, output.datatype, list(output.shape)) != ("INPUT0", "FP32", [size // 4]):
        raise CheckFailed(f"unexpected output {output.name} {output.datatype} {list(output.shape)}", **details)
    got = response.raw_output_contents[0]
    if got != expected:
        first_diff = next((i for i, (x, y) in enumerate(zip(got, expected)) if x != y), min(len(got), len(expected)))
        raise CheckFailed("echoed bytes differ", received_bytes=len(got), first_difference_at=first_diff, **details)
    return details


def check_deadline(ctx: Context, args: argparse.Namespace) -> Details:
    request_id = new_id("deadline")
    request = slow_request(args.delay_ms, request_id)
    timeout_s = args.timeout_ms / 1000
    details: Details = {"id": request_id, "timeout_ms": args.timeout_ms, "delay_ms": args.delay_ms}
    start = time.monotonic()
    if args.delay_ms > args.timeout_ms:
        error = expect_error(lambda: ctx.stub.ModelInfer(request, metadata=ctx.metadata, timeout=timeout_s))
        details.update(elapsed_ms=elapsed_ms_since(start), error=rpc_error(error))
        if error.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
            raise CheckFailed(f"expected DEADLINE_EXCEEDED, got {error.code().name}", **details)
        return details
    response = ctx.stub.ModelInfer(request, metadata=ctx.metadata, timeout=timeout_s)
    params = params_to_dict(response.parameters)
    remaining = params.get("deadline_remaining_ms")
    details.update(elapsed_ms=elapsed_ms_since(start), deadline_remaining_ms=remaining)
    if params.get("completed") is not True:
        raise CheckFailed("slow model did not report completed=true", **details)
    if remaining is None or not 0 < remaining <= args.timeout_ms:
        raise CheckFailed(f"upstream saw deadline_remaining_ms={remaining}, expected (0, {args.timeout_ms}]", **details)
    return details


def check_error(ctx: Context, args: argparse.Namespace) -> Details:
    request = pb.ModelInferRequest(model_name="fail", id=new_id("error"))
    request.parameters["code"].int64_param = args.code
    request.parameters["message"].string_param = args.message
    error = expect_error(lambda: ctx.stub.ModelInfer(request, metadata=ctx.metadata, timeout=ctx.timeout_s))
    details = {"expected": {"code_number": args.code, "details": args.message}, "error": rpc_error(error)}
    if error.code().value[0] != args.code:
        raise CheckFailed(f"status code {error.code().value[0]} != {args.code}", **details)
    if error.details() != args.message:
        raise CheckFailed("status message differs", **details)
    return details


def check_unknown_model(ctx: Context, args: argparse.Namespace) -> Details:
    infer = expect_error(
        lambda: ctx.stub.ModelInfer(
            pb.ModelInferRequest(model_name=args.model), metadata=ctx.metadata, timeout=ctx.timeout_s
        )
    )
    meta = expect_error(
        lambda: ctx.stub.ModelMetadata(
            pb.ModelMetadataRequest(name=args.model), metadata=ctx.metadata, timeout=ctx.timeout_s
        )
    )
    ready = ctx.stub.ModelReady(pb.ModelReadyRequest(name=args.model), metadata=ctx.metadata, timeout=ctx.timeout_s)
    details = {"model_infer": rpc_error(infer), "model_metadata": rpc_error(meta), "model_ready": ready.ready}
    errors = {"ModelInfer": infer, "ModelMetadata": meta}
    wrong = [name for name, error in errors.items() if error.code() != grpc.StatusCode.NOT_FOUND]
    if wrong:
        raise CheckFailed(f"expected NOT_FOUND from {', '.join(wrong)}", **details)
    if ready.ready:
        raise CheckFailed("ModelReady is true for an unknown model", **details)
    return details


def check_concurrent(ctx: Context, args: argparse.Namespace) -> Details:
    start = time.monotonic()
    calls = []
    for index in range(args.streams):
        a, b = simple_inputs(seed=index)
        request_id = f"concurrent-{index}"
        future = ctx.stub.ModelInfer.future(
            simple_request(a, b, request_id), metadata=ctx.metadata, timeout=ctx.timeout_s
        )
        calls.append((future, a, b, request_id))
    succeeded = 0
    failures: list[Details] = []
    for future, a, b, request_id in calls:
        try:
            problem = simple_mismatch(future.result(), a, b, request_id)
        except grpc.RpcError as error:
            failures.append({"id": request_id, **rpc_error(error)})
            continue
        if problem:
            failures.append({"id": request_id, "problem": problem})
        else:
            succeeded += 1
    details = {
        "streams": args.streams,
        "succeeded": succeeded,
        "failed": len(failures),
        "elapsed_ms": elapsed_ms_since(start),
        "first_failures": failures[:3],
    }
    if failures:
        raise CheckFailed(f"{len(failures)} of {args.streams} calls failed", **details)
    return details


@dataclass
class StreamStep:
    request: pb.ModelInferRequest
    a: list[int] | None  # None for the failing request
    b: list[int] | None
    error_message: str | None


def stream_steps(count: int) -> list[StreamStep]:
    fail_index = count // 2
    steps = []
    for index in range(count):
        request_id = f"stream-{index}"
        if index == fail_index:
            message = f"stream failure at {index}: ✗"
            request = pb.ModelInferRequest(model_name="fail", id=request_id)
            request.parameters["code"].int64_param = grpc.StatusCode.INTERNAL.value[0]
            request.parameters["message"].string_param = message
            steps.append(StreamStep(request, None, None, message))
        else:
            a, b = simple_inputs(seed=index)
            steps.append(StreamStep(simple_request(a, b, request_id), a, b, None))
    return steps


def stream_response_problem(step: StreamStep, response: pb.ModelStreamInferResponse) -> str | None:
    if step.error_message is not None:
        if response.error_message != step.error_message:
            return f"error_message {response.error_message!r}, expected {step.error_message!r}"
        return None
    if response.error_message:
        return f"unexpected error_message {response.error_message!r}"
    return simple_mismatch(response.infer_response, step.a, step.b, step.request.id)


def check_stream(ctx: Context, args: argparse.Namespace) -> Details:
    steps = stream_steps(args.count)
    outbox: queue.Queue[pb.ModelInferRequest | None] = queue.Queue()

    def requests() -> Iterator[pb.ModelInferRequest]:
        while (request := outbox.get()) is not None:
            yield request

    if args.batch:
        for step in steps:
            outbox.put(step.request)
        outbox.put(None)
    start = time.monotonic()
    call = ctx.stub.ModelStreamInfer(requests(), metadata=ctx.metadata, timeout=ctx.timeout_s)
    problems: list[str] = []
    received = 0
    try:
        for index, step in enumerate(steps):
            if not args.batch:
                # Ping-pong: the next request goes out only after this answer arrived,
                # so a proxy that buffers the request stream would hang here.
                outbox.put(step.request)
            response = next(call, None)
            if response is None:
                problems.append(f"stream ended after {received} responses")
                break
            received += 1
            problem = stream_response_problem(step, response)
            if problem:
                problems.append(f"response {index}: {problem}")
        if not args.batch:
            outbox.put(None)
        extra = sum(1 for _ in call)
    except grpc.RpcError as error:
        outbox.put(None)
        raise CheckFailed(
            "stream failed", received=received, error=rpc_error(error), problems=problems[:5]
        ) from None
    if extra:
        problems.append(f"{extra} unexpected extra responses")
    details = {
        "count": args.count,
        "received": received,
        "mode": "batch" if args.batch else "ping-pong",
        "elapsed_ms": elapsed_ms_since(start),
        "problems": problems[:5],
    }
    if problems:
        raise CheckFailed(problems[0], **details)
    return details


def check_health(ctx: Context, args: argparse.Namespace) -> Details:
    request = health_pb2.HealthCheckRequest(service=args.service)

    def call() -> health_pb2.HealthCheckResponse:
        return ctx.health.Check(request, metadata=ctx.metadata, timeout=ctx.timeout_s)

    details: Details = {"service": args.service}
    if args.expect_code:
        error = expect_error(call)
        details["error"] = rpc_error(error)
        if error.code().name != args.expect_code:
            raise CheckFailed(f"expected {args.expect_code}, got {error.code().name}", **details)
        return details
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(call().status)
    details["status"] = status
    if status != args.expect:
        raise CheckFailed(f"status {status}, expected {args.expect}", **details)
    return details


def check_health_watch(ctx: Context, args: argparse.Namespace) -> Details:
    request = health_pb2.HealthCheckRequest(service=args.service)
    call = ctx.health.Watch(request, metadata=ctx.metadata, timeout=ctx.timeout_s)
    status_name = health_pb2.HealthCheckResponse.ServingStatus.Name
    seen: list[str] = []
    try:
        seen.append(status_name(next(call).status))
        if args.toggle_pid:
            # The upstream flips readiness on SIGUSR1; Watch must push each change.
            for _ in range(2):
                os.kill(args.toggle_pid, signal.SIGUSR1)
                seen.append(status_name(next(call).status))
    except StopIteration:
        raise CheckFailed("watch stream ended early", seen=seen) from None
    except grpc.RpcError as error:
        raise CheckFailed("watch failed", seen=seen, error=rpc_error(error)) from None
    finally:
        call.cancel()
    details = {"service": args.service, "first": seen[0], "seen": seen}
    if seen[0] != args.expect_first:
        raise CheckFailed(f"first status {seen[0]}, expected {args.expect_first}", **details)
    if args.toggle_pid:
        flipped = {"SERVING": "NOT_SERVING", "NOT_SERVING": "SERVING"}.get(seen[0])
        if seen[1:] != [flipped, seen[0]]:
            raise CheckFailed(f"after two toggles saw {seen[1:]}, expected {[flipped, seen[0]]}", **details)
    return details


def check_metadata(ctx: Context, args: argparse.Namespace) -> Details:
    sent = list(args.md)
    request = echo_request("echo", b"\x00" * 16, new_id("metadata"))
    response = ctx.stub.ModelInfer(request, metadata=ctx.metadata + sent, timeout=ctx.timeout_s)
    params = params_to_dict(response.parameters)
    header_keys = params.get("header_keys", "").split(",") if params.get("header_keys") else []
    details = {"md": {k: v for k, v in params.items() if k.startswith("md:")}, "header_keys": header_keys}
    expected_md: dict[str, list[str]] = {}
    for key, value in sent:
        if key.startswith("x-") and key not in args.expect_absent:
            expected_md.setdefault(key, []).append(value.hex() if isinstance(value, bytes) else value)
    problems = []
    for key, values in expected_md.items():
        # The upstream joins repeated keys with ",", in the order received.
        got, expected = params.get(f"md:{key}"), ",".join(values)
        if got != expected:
            problems.append(f"md:{key} is {got!r}, expected {expected!r}")
    problems += [f"{key} was not dropped" for key in args.expect_absent if key in header_keys]
    problems += [f"{key} did not arrive" for key in args.expect_present if key not in header_keys]
    if problems:
        raise CheckFailed("; ".join(problems), **details)
    return details


def check_unimplemented(ctx: Context, args: argparse.Namespace) -> Details:
    method = ctx.channel.unary_unary(args.method)  # no serializers: raw bytes in and out
    error = expect_error(lambda: method(b"", metadata=ctx.metadata, timeout=ctx.timeout_s))
    details = {"method": args.method, "error": rpc_error(error)}
    if error.code() != grpc.StatusCode.UNIMPLEMENTED:
        raise CheckFailed(f"expected UNIMPLEMENTED, got {error.code().name}", **details)
    return details


def check_cancel(ctx: Context, args: argparse.Namespace) -> Details:
    request_id = new_id("cancel")
    request = slow_request(args.delay_ms, request_id)
    # The model creates this file when it starts, so the cancellation lands on a call the upstream is working on:
    # on a busy machine a fixed wait can run out before the call has reached the upstream at all.
    started = Path(tempfile.gettempdir()) / f"guard-interop-{request_id}.started"
    request.parameters["started_file"].string_param = str(started)
    start = time.monotonic()
    future = ctx.stub.ModelInfer.future(request, metadata=ctx.metadata, timeout=ctx.timeout_s)
    try:
        give_up = start + (ctx.timeout_s or 30.0)
        while not started.exists() and not future.done() and time.monotonic() < give_up:
            time.sleep(0.01)
        if not started.exists() and not future.done():
            raise CheckFailed("the upstream never started the call", id=request_id, elapsed_ms=elapsed_ms_since(start))
        time.sleep(args.after_ms / 1000)
        if future.done():
            outcome = rpc_error(future.exception()) if future.exception() else "success"
            raise CheckFailed("call finished before it was cancelled", id=request_id, outcome=outcome, elapsed_ms=elapsed_ms_since(start))
        cancelled = future.cancel()
    finally:
        started.unlink(missing_ok=True)
    code = future.code()
    details = {"id": request_id, "cancelled": cancelled, "code": code.name if code else None, "elapsed_ms": elapsed_ms_since(start)}
    if not cancelled or code != grpc.StatusCode.CANCELLED:
        raise CheckFailed("client did not observe CANCELLED", **details)
    return details


# --------------------------------------------------------------------------
# CLI


def bool_arg(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="host:port")
    parser.add_argument("--tls-ca", type=Path, help="PEM CA bundle; enables TLS")
    parser.add_argument("--tls-server-name", help="override the name checked against the server certificate")
    parser.add_argument("--tls-cert", type=Path, help="PEM client certificate chain for mutual TLS (with --tls-key)")
    parser.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    parser.add_argument(
        "--metadata", action="append", type=parse_metadata_pair, default=[], metavar="KEY=VALUE",
        help="metadata for every call; repeat the flag for more (-bin keys take hex values)",
    )
    parser.add_argument("--timeout-s", type=float, default=30.0, help="per-call deadline for checks without their own")
    checks = parser.add_subparsers(dest="check", required=True, metavar="CHECK")

    def add(name: str, function: Callable[[Context, argparse.Namespace], Details], help_text: str):
        sub = checks.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(function=function)
        return sub

    add("live", check_live, "ServerLive must be true")
    add("ready", check_ready, "ServerReady must equal --expect").add_argument(
        "--expect", type=bool_arg, default=True
    )
    add("server-metadata", check_server_metadata, "ServerMetadata (non-empty name)").add_argument("--expect-name")
    for name, function, help_text in (
        ("model-ready", check_model_ready, "ModelReady must equal --expect"),
        ("model-metadata", check_model_metadata, "ModelMetadata; prints it"),
    ):
        sub = add(name, function, help_text)
        sub.add_argument("--model", required=True)
        sub.add_argument("--version", default="")
        if name == "model-ready":
            sub.add_argument("--expect", type=bool_arg, default=True)
    add("infer-simple", check_infer_simple, "infer `simple`, verify OUTPUT0/OUTPUT1").add_argument(
        "--typed", action="store_true", help="send int_contents instead of raw_input_contents"
    )
    sub = add("infer-echo", check_infer_echo, "echo an FP32 tensor of --mb MiB and compare bytes")
    sub.add_argument("--mb", type=float, required=True)
    sub.add_argument("--gzip", action="store_true", help="gzip the request and ask for a gzip response")
    sub.add_argument("--compressible", action="store_true", help="repeating pattern instead of random bytes")
    sub.add_argument("--seed", type=int, default=1234)
    sub = add("deadline", check_deadline, "call `slow` with a deadline")
    sub.add_argument("--timeout-ms", type=int, required=True)
    sub.add_argument("--delay-ms", type=int, required=True)
    sub = add("error", check_error, "call `fail`; expect that exact status code and message")
    sub.add_argument("--code", type=int, required=True, choices=range(1, 17), metavar="1..16")
    sub.add_argument("--message", required=True)
    add("unknown-model", check_unknown_model, "NOT_FOUND for an unknown model").add_argument(
        "--model", default="no_such_model"
    )
    add("concurrent", check_concurrent, "N concurrent `simple` calls on one channel").add_argument(
        "--streams", type=int, default=300
    )
    sub = add("stream", check_stream, "bidi ModelStreamInfer with one failing request in the middle")
    sub.add_argument("--count", type=int, default=10)
    sub.add_argument("--batch", action="store_true", help="send all requests up front instead of ping-pong")
    sub = add("health", check_health, "grpc.health.v1 Check")
    sub.add_argument("--service", default="")
    sub.add_argument("--expect", choices=HEALTH_STATUSES, default="SERVING")
    sub.add_argument("--expect-code", help="expect this gRPC error instead, e.g. NOT_FOUND")
    sub = add("health-watch", check_health_watch, "grpc.health.v1 Watch: first message, then cancel")
    sub.add_argument("--service", default="")
    sub.add_argument("--expect-first", choices=HEALTH_STATUSES, default="SERVING")
    sub.add_argument(
        "--toggle-pid", type=int, help="kserve_upstream.py pid: SIGUSR1 it twice, expect two status updates"
    )
    sub = add("metadata", check_metadata, "call `echo` with metadata; report what the upstream received")
    sub.add_argument("--md", nargs="+", action="extend", type=parse_metadata_pair, default=[], metavar="KEY=VALUE")
    sub.add_argument("--expect-absent", nargs="+", action="extend", default=[], metavar="KEY")
    sub.add_argument("--expect-present", nargs="+", action="extend", default=[], metavar="KEY")
    add("unimplemented", check_unimplemented, "a method that does not exist must give UNIMPLEMENTED").add_argument(
        "--method", default="/inference.GRPCInferenceService/NoSuchMethod"
    )
    sub = add("cancel", check_cancel, "cancel a `slow` call from the client --after-ms after the upstream started it")
    sub.add_argument("--delay-ms", type=int, required=True)
    sub.add_argument("--after-ms", type=int, required=True)
    return parser


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    if args.tls_cert is not None and args.tls_ca is None:
        parser.error("--tls-cert needs --tls-ca (a client certificate only makes sense over TLS)")
    if args.check == "deadline" and args.delay_ms == args.timeout_ms:
        parser.error("deadline: --delay-ms must differ from --timeout-ms")
    if args.check == "cancel" and args.after_ms >= args.delay_ms:
        parser.error("cancel: --after-ms must be below --delay-ms")
    if (args.check == "concurrent" and args.streams < 1) or (args.check == "stream" and args.count < 1):
        parser.error(f"{args.check}: the count must be at least 1")
    return args


def open_channel(args: argparse.Namespace) -> grpc.Channel:
    options: list[tuple[str, Any]] = [
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ]
    if args.tls_ca is None:
        return grpc.insecure_channel(args.target, options=options)
    if args.tls_server_name:
        options.append(("grpc.ssl_target_name_override", args.tls_server_name))
    credentials = grpc.ssl_channel_credentials(
        root_certificates=args.tls_ca.read_bytes(),
        private_key=args.tls_key.read_bytes() if args.tls_key else None,
        certificate_chain=args.tls_cert.read_bytes() if args.tls_cert else None,
    )
    return grpc.secure_channel(args.target, credentials, options=options)


def run_check(args: argparse.Namespace) -> Details:
    with open_channel(args) as channel:
        ctx = Context(
            channel=channel,
            stub=pb_grpc.GRPCInferenceServiceStub(channel),
            health=health_pb2_grpc.HealthStub(channel),
            metadata=list(args.metadata),
            timeout_s=args.timeout_s,
        )
        return args.function(ctx, args)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = {"ok": True, "check": args.check, **run_check(args)}
    except CheckFailed as failure:
        result = {"ok": False, "check": args.check, "reason": failure.reason, **failure.details}
    except grpc.RpcError as error:
        result = {"ok": False, "check": args.check, "reason": "unexpected gRPC error", "error": rpc_error(error)}
    except Exception as error:  # report anything else as a failed observation, still one JSON line
        result = {"ok": False, "check": args.check, "reason": f"{type(error).__name__}: {error}"}
    print(json.dumps(result, default=str), flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
