// The onnxruntime-node side of bench/ort (see ../README.md). Mirrors ../Guard.Bench.Ort/Program.cs step by step;
// run both through ../run.sh, which compares their outputs.
//
//   node bench.mjs --model PATH --eval PATH --out DIR
//                  [--threads 2] [--seconds 5] [--warmup-seconds 1] [--warmup-runs 20] [--batches 1,32,256]
//                  [--log-level warning|info|verbose] [--options-only]
//
// Writes DIR/node.json (results) and DIR/node_logits.bin (float32 [256,10] logits of eval images 0..255).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';

const SIDE = 'node';
const CHECK_IMAGES = 256;
const CLASSES = 10;
const PIXELS = 28 * 28;
const USAGE =
  'usage: node bench.mjs --model PATH --eval PATH --out DIR [--threads 2] [--seconds 5] [--warmup-seconds 1] ' +
  '[--warmup-runs 20] [--batches 1,32,256] [--log-level warning|info|verbose] [--options-only]';

const log = (message) => process.stderr.write(`[${SIDE}] ${message}\n`);
const fail = (message, code = 1) => {
  process.stderr.write(`bench.mjs: ${message}\n`);
  process.exit(code);
};

function parseArgs(argv) {
  const o = {
    model: '', evalPath: '', out: '', threads: 2, seconds: 5, warmupSeconds: 1, warmupRuns: 20,
    batches: [1, 32, 256], logLevel: 'warning', optionsOnly: false,
  };
  const positiveInt = (s, name) => {
    const v = Number(s);
    if (!Number.isInteger(v) || v <= 0) fail(`${name} must be a positive integer, not '${s}'\n${USAGE}`, 2);
    return v;
  };
  const positive = (s, name) => {
    const v = Number(s);
    if (!(v > 0)) fail(`${name} must be a positive number, not '${s}'\n${USAGE}`, 2);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : fail(`${arg} needs a value\n${USAGE}`, 2));
    switch (arg) {
      case '--model': o.model = value(); break;
      case '--eval': o.evalPath = value(); break;
      case '--out': o.out = value(); break;
      case '--threads': o.threads = positiveInt(value(), arg); break;
      case '--seconds': o.seconds = positive(value(), arg); break;
      case '--warmup-seconds': o.warmupSeconds = Number(value()); break;
      case '--warmup-runs': o.warmupRuns = Number(value()); break;
      case '--batches': o.batches = value().split(',').filter((b) => b.trim()).map((b) => positiveInt(b.trim(), arg)); break;
      case '--log-level': {
        o.logLevel = value();
        if (!['verbose', 'info', 'warning', 'error'].includes(o.logLevel)) fail(`unknown --log-level '${o.logLevel}'`, 2);
        break;
      }
      case '--options-only': o.optionsOnly = true; break;
      default: fail(`unknown argument '${arg}'\n${USAGE}`, 2);
    }
  }
  if (!o.model || (!o.optionsOnly && (!o.evalPath || !o.out))) fail(`--model, --eval and --out are required\n${USAGE}`, 2);
  return o;
}

/** models/eval/fashion_eval_1000.bin (format: models/eval/README.md). */
function readEvalSet(path) {
  const bin = readFileSync(path);
  if (bin.length < 16 || bin.toString('latin1', 0, 4) !== 'GFEV') fail(`${path} is not a GFEV eval set (models/eval/README.md).`);
  const n = bin.readUInt32LE(4);
  const rows = bin.readUInt32LE(8);
  const cols = bin.readUInt32LE(12);
  if (rows !== 28 || cols !== 28 || n <= 0 || bin.length !== 16 + 4 * n * rows * cols + n) {
    fail(`${path}: unexpected header (count ${n}, ${rows}x${cols}, ${bin.length} bytes).`);
  }
  // Copy into an aligned Float32Array (the Buffer's offset inside its pool need not be 4-aligned).
  const pixels = new Float32Array(n * PIXELS);
  new Uint8Array(pixels.buffer).set(bin.subarray(16, 16 + 4 * n * PIXELS));
  const labels = Uint8Array.from(bin.subarray(16 + 4 * n * PIXELS, 16 + 4 * n * PIXELS + n));
  return { pixels, labels };
}

/** ceil(count / batch) buffers; buffer k holds images (k*batch + j) mod count (the same as the C# side). */
function cyclicBatches(pixels, count, batch) {
  const buffers = [];
  for (let k = 0; k < Math.ceil(count / batch); k++) {
    const buffer = new Float32Array(batch * PIXELS);
    for (let j = 0; j < batch; j++) {
      const image = (k * batch + j) % count;
      buffer.set(pixels.subarray(image * PIXELS, (image + 1) * PIXELS), j * PIXELS);
    }
    buffers.push(buffer);
  }
  return buffers;
}

/** The path of the libonnxruntime this process has mapped, from /proc/self/maps. */
function mappedOrtLibrary() {
  for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const slash = line.indexOf('/');
    if (slash >= 0 && line.endsWith('/libonnxruntime.so.1')) return line.slice(slash);
  }
  fail('no libonnxruntime.so.1 mapped in this process (/proc/self/maps)');
}

/** CPUs this process may run on (Cpus_allowed_list in /proc/self/status). */
function allowedCpus() {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('Cpus_allowed_list:'));
  if (!line) fail('no Cpus_allowed_list in /proc/self/status');
  const set = new Set();
  for (const part of line.slice('Cpus_allowed_list:'.length).trim().split(',').filter(Boolean)) {
    const [first, last = first] = part.split('-').map(Number);
    for (let c = first; c <= last; c++) set.add(c);
  }
  return set;
}

/**
 * CPU accounting for one measurement window: this process's CPU time (all threads) and the busy + stolen time of
 * the CPUs it may run on (/proc/stat). Mirrors CpuSample in ../Guard.Bench.Ort/Program.cs.
 */
function cpuSample() {
  const allowed = allowedCpus();
  let busyTicks = 0;
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) /.exec(line);
    if (!m || !allowed.has(Number(m[1]))) continue;
    const f = line.split(/\s+/);
    for (const i of [1, 2, 3, 6, 7, 8]) busyTicks += Number(f[i]); // all but idle and iowait
  }
  const usage = process.cpuUsage();
  return { own: (usage.user + usage.system) / 1e6, busy: busyTicks / 100, cpus: allowed.size };
}

const cpuSince = (before, after, wallSeconds) => {
  const own = after.own - before.own;
  const other = (after.busy - before.busy - own) / (wallSeconds * after.cpus);
  return { ownCores: own / wallSeconds, otherShare: Math.min(Math.max(other, 0), 1) };
};

const argmax = (values, offset, length) => {
  let best = 0;
  for (let i = 1; i < length; i++) if (values[offset + i] > values[offset + best]) best = i;
  return best;
};

/**
 * Warm-up, then Runs back to back for the configured time. One timed call = wrap the next input batch in an
 * ort.Tensor, `await session.run(feeds)`, take the logits (onnxruntime-node returns them copied into a new
 * Float32Array), exactly as the C# side does with its binding.
 */
async function measure(o, session, pixels, count, batch) {
  const inputs = cyclicBatches(pixels, count, batch);
  const dims = [batch, 1, 28, 28];
  let next = 0;
  let sink = 0;
  const oneCall = async () => {
    const start = process.hrtime.bigint();
    const tensor = new ort.Tensor('float32', inputs[next], dims);
    const outputs = await session.run({ input: tensor });
    sink += outputs.logits.data[0];
    const elapsed = Number(process.hrtime.bigint() - start);
    next = next + 1 === inputs.length ? 0 : next + 1;
    return elapsed;
  };

  const warmupEnd = process.hrtime.bigint() + BigInt(Math.round(o.warmupSeconds * 1e9));
  let warmups = 0;
  while (warmups < o.warmupRuns || process.hrtime.bigint() < warmupEnd) {
    await oneCall();
    warmups++;
  }

  const latencies = [];
  const cpuBefore = cpuSample();
  const begin = process.hrtime.bigint();
  const end = begin + BigInt(Math.round(o.seconds * 1e9));
  let now;
  do {
    latencies.push(await oneCall());
    now = process.hrtime.bigint();
  } while (now < end);
  const seconds = Number(now - begin) / 1e9;
  const cpu = cpuSince(cpuBefore, cpuSample(), seconds);

  const sorted = Float64Array.from(latencies).sort();
  const percentile = (p) => sorted[Math.min(Math.max(Math.ceil((p / 100) * sorted.length) - 1, 0), sorted.length - 1)] / 1e6;
  const total = sorted.reduce((a, b) => a + b, 0);
  const result = {
    batch, runs: sorted.length, warmup_runs: warmups, seconds,
    images_per_second: (sorted.length * batch) / seconds, runs_per_second: sorted.length / seconds,
    p50_ms: percentile(50), p90_ms: percentile(90), p99_ms: percentile(99), mean_ms: total / sorted.length / 1e6,
    min_ms: sorted[0] / 1e6, max_ms: sorted[sorted.length - 1] / 1e6,
    own_cpu_cores: cpu.ownCores, other_cpu_share: cpu.otherShare,
  };
  if (Number.isNaN(sink)) log('(logits contained NaN)');
  log(`batch ${String(batch).padStart(3)}: ${result.images_per_second.toFixed(0).padStart(10)} images/s ` +
    `${result.runs_per_second.toFixed(1).padStart(9)} runs/s  p50 ${result.p50_ms.toFixed(3)} ms  ` +
    `p99 ${result.p99_ms.toFixed(3)} ms  (${result.runs} runs, ${warmups} warm-up; ` +
    `own CPU ${cpu.ownCores.toFixed(2)} cores, others ${(cpu.otherShare * 100).toFixed(0)}% of our CPUs)`);
  return result;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  ort.env.logLevel = o.logLevel; // the OrtEnv's level, as OrtLibrary.CreateEnvironment(level) on the C# side
  const sessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Flattened by the binding into AddSessionConfigEntry("session.intra_op.allow_spinning", "0").
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  const session = await ort.InferenceSession.create(o.model, sessionOptions);
  const mapped = mappedOrtLibrary();
  const require = createRequire(import.meta.url);
  const nodeVersion = require('onnxruntime-node/package.json').version;
  log(`onnxruntime-node ${nodeVersion} (ORT from ${mapped}); Node ${process.version}; threads ${o.threads}`);
  if (o.optionsOnly) return;

  const { pixels, labels } = readEvalSet(o.evalPath);
  const count = labels.length;
  if (count < CHECK_IMAGES) fail(`${o.evalPath} has ${count} images, at least ${CHECK_IMAGES} are needed.`);

  // Correctness, once: eval images 0..255 as one batch.
  const checkInput = pixels.slice(0, CHECK_IMAGES * PIXELS);
  const checkOut = await session.run({ input: new ort.Tensor('float32', checkInput, [CHECK_IMAGES, 1, 28, 28]) });
  const logits = checkOut.logits;
  if (logits.dims.length !== 2 || logits.dims[0] !== CHECK_IMAGES || logits.dims[1] !== CLASSES) {
    fail(`logits have shape [${logits.dims}], expected [${CHECK_IMAGES},${CLASSES}].`);
  }
  let correct = 0;
  for (let i = 0; i < CHECK_IMAGES; i++) if (argmax(logits.data, i * CLASSES, CLASSES) === labels[i]) correct++;
  const accuracy = correct / CHECK_IMAGES;
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, `${SIDE}_logits.bin`), Buffer.from(logits.data.buffer, logits.data.byteOffset, logits.data.byteLength));
  log(`accuracy on eval images 0..${CHECK_IMAGES - 1}: ${accuracy.toFixed(4)} (${correct}/${CHECK_IMAGES})`);

  const results = [];
  for (const batch of o.batches) results.push(await measure(o, session, pixels, count, batch));
  await session.release();

  const report = {
    side: SIDE, ort_version: nodeVersion, library_path: mapped, runtime: `Node ${process.version}`,
    intra_op_threads: o.threads, seconds: o.seconds, warmup_seconds: o.warmupSeconds, warmup_runs: o.warmupRuns,
    processor_count: (await import('node:os')).availableParallelism(), accuracy, accuracy_images: CHECK_IMAGES, results,
  };
  writeFileSync(join(o.out, `${SIDE}.json`), JSON.stringify(report, null, 2) + '\n');
}

main().catch((e) => fail(e?.stack ?? String(e)));
