using Guard.ModelHost.Configuration;

namespace Guard.Gateway.Configuration;

/// <summary>
/// The whole configuration as bound from the file (YAML or JSON) and GUARD_* environment variables.
/// Binder-friendly mutable shapes; <see cref="GuardOptionsValidator"/> checks them and
/// <see cref="Runtime.GatewaySnapshotBuilder"/> turns a valid instance into immutable runtime state.
/// </summary>
public sealed class GuardOptions
{
    public ListenersOptions Listeners { get; set; } = new();

    public Dictionary<string, UpstreamOptions> Upstreams { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Model name → route. The name "*" catches models not listed.</summary>
    public Dictionary<string, ModelOptions> Models { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, PolicyOptions> Policies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The embedded model host; routes reach it through the reserved upstream name <see cref="ModelOptions.EmbeddedUpstream"/>.</summary>
    public ModelHostOptions? ModelHost { get; set; }

    /// <summary>Who callers are: API keys (stored hashed) and what happens to credentials on the way upstream.</summary>
    public IdentityOptions Identity { get; set; } = new();

    /// <summary>Where limits, bans and lists live: in this process (default) or in Redis, shared by replicas.</summary>
    public Guard.State.StateOptions State { get; set; } = new();

    public QueryPatternsOptions QueryPatterns { get; set; } = new();

    public BlockedQueryLogSettings BlockedQueryLog { get; set; } = new();

    /// <summary>The console and admin API (on their own loopback ports), present only when users are configured.</summary>
    public Guard.Admin.AdminOptions Admin { get; set; } = new();
}

/// <summary>Deployment-wide settings of query-pattern detection.</summary>
public sealed class QueryPatternsOptions
{
    /// <summary>
    /// The secret that keys fingerprint hashing and salting, so attackers cannot compute fingerprints offline. Give it
    /// from the environment (GUARD_queryPatterns__secret), the same on every replica that shares an index.
    /// </summary>
    public string? Secret { get; set; }

    public override string ToString() => $"secret={(Secret is null ? "none" : "***")}";
}

public sealed class IdentityOptions
{
    /// <summary>Known API keys, by the SHA-256 of the key: the keys themselves are never stored or logged.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = new();

    /// <summary>Pass authorization and x-api-key on to upstreams; off, Guard's credentials stay with Guard.</summary>
    public bool ForwardCredentials { get; set; }
}

public sealed class ApiKeyOptions
{
    /// <summary>The client id the key stands for (what limits, bans and logs see).</summary>
    public string Id { get; set; } = "";

    /// <summary>Lower-case hex SHA-256 of the key (<c>printf %s "$KEY" | sha256sum</c>).</summary>
    public string Sha256 { get; set; } = "";
}

public sealed class ListenersOptions
{
    public GrpcListenerOptions Grpc { get; set; } = new();

    public HttpListenerOptions Http { get; set; } = new();
}

public sealed class GrpcListenerOptions
{
    /// <summary>host:port; Triton's gRPC port by default so clients change only the host.</summary>
    public string Address { get; set; } = "127.0.0.1:8001";

    public TlsServerOptions? Tls { get; set; }

    public int MaxReceiveMessageBytes { get; set; } = 64 * 1024 * 1024;

    public int MaxSendMessageBytes { get; set; } = 64 * 1024 * 1024;

    public int MaxConcurrentStreams { get; set; } = 1000;

    /// <summary>"gzip" or "deflate" to compress responses for clients that accept it; null answers in kind.</summary>
    public string? ResponseCompression { get; set; }

    /// <summary>Put handler exception messages into UNKNOWN statuses (debugging only).</summary>
    public bool DetailedErrors { get; set; }

    public ListenerIdentityOptions Identity { get; set; } = new();
}

/// <summary>How callers on one listener are identified.</summary>
public sealed class ListenerIdentityOptions
{
    public const string ApiKey = "apiKey";
    public const string Certificate = "certificate";
    public const string Peer = "peer";

    /// <summary>Identity sources in order of precedence; unset means apiKey, certificate, peer.</summary>
    /// <remarks>Null rather than a filled default: the binder appends to a list it finds, it does not replace it.</remarks>
    public List<string>? Sources { get; set; }

    public IReadOnlyList<string> EffectiveSources => Sources ?? [ApiKey, Certificate, Peer];

    /// <summary>
    /// Admit callers with no API key or client certificate (identified by their peer address when "peer" is a
    /// source). False answers them UNAUTHENTICATED. A key that is presented but unknown is refused either way.
    /// </summary>
    public bool AllowAnonymous { get; set; } = true;
}

public sealed class HttpListenerOptions
{
    /// <summary>host:port for health, metrics (and the console); empty disables the listener.</summary>
    public string Address { get; set; } = "127.0.0.1:8002";
}

public sealed class TlsServerOptions
{
    public string Certificate { get; set; } = "";

    public string Key { get; set; } = "";

    /// <summary>none, allow or require.</summary>
    public string ClientCertificates { get; set; } = "none";

    /// <summary>CA bundle (PEM) that client certificates must chain to; required unless ClientCertificates is none.</summary>
    public string? ClientCa { get; set; }
}

public sealed class UpstreamOptions
{
    /// <summary>http://host:port (h2c) or https://host:port (TLS).</summary>
    public List<string> Endpoints { get; set; } = new();

    /// <summary>roundRobin or leastOutstanding.</summary>
    public string LoadBalancing { get; set; } = "roundRobin";

    public HealthCheckOptions HealthCheck { get; set; } = new();

    public TlsClientOptions? Tls { get; set; }

    /// <summary>Further attempts, on other endpoints, for a request that never reached a model.</summary>
    public int Retries { get; set; } = 1;

    public int MaxMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Deadline for calls whose client set none; null leaves them unbounded.</summary>
    public TimeSpan? DefaultTimeout { get; set; }
}

public sealed class HealthCheckOptions
{
    public bool Enabled { get; set; } = true;

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Consecutive failures before an endpoint is taken out of rotation.</summary>
    public int UnhealthyThreshold { get; set; } = 2;

    /// <summary>Consecutive successes before it comes back.</summary>
    public int HealthyThreshold { get; set; } = 1;

    /// <summary>
    /// When no endpoint is healthy, spread requests over all of them rather than refuse them all ("panic
    /// routing", as Envoy does): checks that time out under a load spike must not turn into an outage.
    /// Readiness still says not ready. False answers UNAVAILABLE instead.
    /// </summary>
    public bool RouteWhenAllUnhealthy { get; set; } = true;
}

public sealed class TlsClientOptions
{
    /// <summary>CA bundle (PEM) that the upstream's certificate must chain to; null uses the system store.</summary>
    public string? Ca { get; set; }

    public string? Certificate { get; set; }

    public string? Key { get; set; }
}

public sealed class ModelOptions
{
    /// <summary>The reserved upstream name of the embedded model host: requests are served in-process, no gRPC hop.</summary>
    public const string EmbeddedUpstream = "embedded";

    /// <summary>Name of an entry in Upstreams, or <see cref="EmbeddedUpstream"/>.</summary>
    public string Upstream { get; set; } = "";

    /// <summary>Version → upstream, for versions served elsewhere (a canary, say).</summary>
    public Dictionary<string, string> Versions { get; set; } = new(StringComparer.Ordinal);

    public const string DefaultPolicy = "default";

    /// <summary>The reserved policy name for "no guards": requests pass untouched.</summary>
    public const string NoPolicy = "none";

    /// <summary>Name of an entry in Policies, or "none"; unset means "default" when that policy exists, else none.</summary>
    public string? Policy { get; set; }
}

public sealed class PolicyOptions
{
    public LimitsOptions Limits { get; set; } = new();

    public ValidationOptions Validation { get; set; } = new();

    public FingerprintPolicyOptions Fingerprint { get; set; } = new();

    public KnnPolicyOptions Knn { get; set; } = new();

    public SqueezingPolicyOptions Squeezing { get; set; } = new();

    public LearnedDetectorPolicyOptions LearnedDetector { get; set; } = new();

    public SmoothingPolicyOptions Smoothing { get; set; } = new();

    /// <summary>What detecting stages do by default, and the parameters of delay and ban.</summary>
    public ActionsOptions Actions { get; set; } = new();

    /// <summary>Coarsening of every response of the policy's models, for every client.</summary>
    public OutputHardeningPolicyOptions OutputHardening { get; set; } = new();
}

/// <summary>
/// A policy's per-client stateful k-NN stage (after Chen, Carlini, Wagner 2020); defaults calibrated on the demo
/// Fashion-MNIST training set (bench/knn): inputs in [0, 1], 8×8 average-pooled embeddings.
/// </summary>
public sealed class KnnPolicyOptions
{
    public bool Enabled { get; set; }

    /// <summary>Side of the average-pooling grid per channel (8: 64 numbers for a 28×28 image).</summary>
    public int EmbeddingGrid { get; set; } = 8;

    /// <summary>An ONNX encoder to embed queries with instead of the average pooling (e.g.
    /// models/encoders/fashion_cnn_features.onnx, threshold 3.92 with embeddingMax 16); run on ONNX Runtime.</summary>
    public string? Encoder { get; set; }

    /// <summary>The encoder output to use when it has several.</summary>
    public string? EncoderOutput { get; set; }

    /// <summary>Input range the embedding is quantized over.</summary>
    public float EmbeddingMin { get; set; }

    public float EmbeddingMax { get; set; } = 1;

    /// <summary>Neighbours averaged.</summary>
    public int K { get; set; } = 10;

    /// <summary>Earlier queries a client needs before it is judged.</summary>
    public int MinNeighbours { get; set; } = 3;

    /// <summary>Earlier queries remembered per client and model.</summary>
    public int HistoryCapacity { get; set; } = 500;

    public TimeSpan HistoryLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Mean distance to the nearest earlier queries below which a query is part of an attack.</summary>
    public double Threshold { get; set; } = 0.42;

    /// <summary>reject, silentReject, delay, ban or flag; unset: the policy's <c>actions.default</c>.</summary>
    public string? Action { get; set; }
}

/// <summary>
/// A policy's randomized-smoothing stage (Cohen, Rosenfeld, Kolter 2019): every row is certified on a base model
/// trained with Gaussian noise of the same σ, and the answer carries the smoothed class and certified L2 radius.
/// </summary>
public sealed class SmoothingPolicyOptions
{
    public bool Enabled { get; set; }

    /// <summary>The noise-trained model the noisy samples go to (e.g. fashion_cnn_s025): on the embedded host, or a
    /// model routed to an upstream (then <see cref="Input"/>, <see cref="InputShape"/>, <see cref="Output"/> and
    /// <see cref="Classes"/> describe it).</summary>
    public string? BaseModel { get; set; }

    /// <summary>Upstream base model: its FP32 input's name.</summary>
    public string? Input { get; set; }

    /// <summary>Upstream base model: one row's shape, without the batch dimension (e.g. [1, 28, 28]).</summary>
    public List<long>? InputShape { get; set; }

    /// <summary>Upstream base model: the FP32 scores output [batch, classes].</summary>
    public string? Output { get; set; }

    /// <summary>Upstream base model: the number of classes.</summary>
    public int? Classes { get; set; }

    /// <summary>A routed model that answers instead (without its own policy) when a row is not certified at r_min;
    /// the answer still carries the certificates. Unset: <see cref="Action"/> alone decides.</summary>
    public string? Fallback { get; set; }

    public double Sigma { get; set; } = 0.25;

    /// <summary>Samples that pick the candidate class.</summary>
    public int N0 { get; set; } = 100;

    /// <summary>Estimation samples (the most, with adaptive sampling).</summary>
    public int N { get; set; } = 10_000;

    public double Alpha { get; set; } = 0.001;

    /// <summary>r_min: rows not certified at this L2 radius get <see cref="Action"/>.</summary>
    public double MinRadius { get; set; }

    /// <summary>Noisy samples per base-model call (an upstream base model must accept batches this large; the embedded
    /// host's are split at the model's maximum batch size).</summary>
    public int BatchSize { get; set; } = 1_000;

    /// <summary>Stop sampling once r_min is certified or proved out of reach (valid at α over all looks).</summary>
    public bool Adaptive { get; set; } = true;

    /// <summary>flag (answer, with the abstain flag; the default), reject, silentReject, delay or ban.</summary>
    public string Action { get; set; } = "flag";
}

/// <summary>
/// A policy's feature-squeezing stage (Xu, Evans, Qi, NDSS 2018): the model runs on each input and its squeezed
/// versions in one batched call; the score is the largest L1 distance between the softmax outputs.
/// </summary>
public sealed class SqueezingPolicyOptions
{
    public bool Enabled { get; set; }

    /// <summary>The protected classifier to run (the route's own model, usually): on the embedded host, or routed to
    /// an upstream (then <see cref="Input"/>, <see cref="InputShape"/>, <see cref="Output"/> and
    /// <see cref="Outputs"/> describe it).</summary>
    public string? Model { get; set; }

    /// <summary>Upstream model: its FP32 input's name.</summary>
    public string? Input { get; set; }

    /// <summary>Upstream model: one row's shape without the batch; for the squeezers, [channels, height, width].</summary>
    public List<long>? InputShape { get; set; }

    /// <summary>The FP32 scores output [batch, classes] (embedded: default the model's first).</summary>
    public string? Output { get; set; }

    /// <summary>Upstream model: the number of classes.</summary>
    public int? Outputs { get; set; }

    /// <summary>What the output holds: logits (softmax is applied) or probabilities.</summary>
    public string Scores { get; set; } = "logits";

    /// <summary>The squeezers used when <see cref="Squeezers"/> is not set.</summary>
    public static readonly IReadOnlyList<string> DefaultSqueezers = ["bit-depth-1", "median-2x2", "median-3x3"];

    /// <summary>Squeezers; unset: <see cref="DefaultSqueezers"/>, the paper's joint detector for MNIST. (Not
    /// initialised here: the configuration binder appends to a list it finds, it does not replace it.)</summary>
    public List<string>? Squeezers { get; set; }

    public IReadOnlyList<string> EffectiveSqueezers => Squeezers ?? DefaultSqueezers;

    /// <summary>Scores above this are detections; written by <c>guard calibrate</c> for a target false-positive rate.</summary>
    public double? Threshold { get; set; }

    /// <summary>reject, silentReject, delay, ban or flag; unset: the policy's <c>actions.default</c>.</summary>
    public string? Action { get; set; }
}

/// <summary>A policy's learned detector: an ONNX model mapping the input (or the classifier's logits) to an adversarial score.</summary>
public sealed class LearnedDetectorPolicyOptions
{
    public bool Enabled { get; set; }

    /// <summary>The detector model on the embedded host (e.g. fashion_cnn_pgd_detector).</summary>
    public string? Model { get; set; }

    /// <summary>The detector's score output [batch, 1] (default its first).</summary>
    public string? Output { get; set; }

    /// <summary>What the detector reads: image (the request's first input) or logits (the classifier's output).</summary>
    public string Input { get; set; } = "image";

    /// <summary>For <c>input: logits</c>: the embedded classifier whose first output the detector reads.</summary>
    public string? Classifier { get; set; }

    /// <summary>Scores above this are detections; written by <c>guard calibrate</c> for a target false-positive rate.</summary>
    public double? Threshold { get; set; }

    /// <summary>reject, silentReject, delay, ban or flag; unset: the policy's <c>actions.default</c>.</summary>
    public string? Action { get; set; }
}

/// <summary>A policy's detection actions: the default for its detecting stages, and how long delays and bans last.</summary>
public sealed class ActionsOptions
{
    /// <summary>reject, silentReject, delay, ban or flag; a stage's own <c>action</c> overrides it.</summary>
    public string Default { get; set; } = "reject";

    /// <summary>How long <c>delay</c> holds a detected query's answer back.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long <c>ban</c> bans the client (its API key, certificate subject or address: its client id).</summary>
    public TimeSpan BanFor { get; set; } = TimeSpan.FromHours(1);
}

public sealed class OutputHardeningPolicyOptions
{
    /// <summary>none, top1 (one-hot label only) or round (scores to <see cref="Decimals"/> digits).</summary>
    public string Mode { get; set; } = "none";

    public int Decimals { get; set; } = 2;
}

/// <summary>The durable log of blocked and flagged queries (section <c>blockedQueryLog</c>).</summary>
public sealed class BlockedQueryLogSettings
{
    /// <summary>sqlite (one file, the embedded default) or postgres (shared by replicas).</summary>
    public string Backend { get; set; } = "sqlite";

    /// <summary>The SQLite file; its folder is created.</summary>
    public string Path { get; set; } = "data/blocked-queries.db";

    /// <summary>Npgsql connection string for postgres; put the password in GUARD_blockedQueryLog__connectionString,
    /// not in the file. Never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Rows older than this are deleted.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Beyond this many rows the oldest are deleted; unset: no cap.</summary>
    public long? MaxRows { get; set; }

    /// <summary>How often retention runs.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Snapshots whose compressed bytes are over this keep only the input hash.</summary>
    public int MaxSnapshotBytes { get; set; } = 64 * 1024;

    public override string ToString() => $"backend={Backend} path={Path} connectionString={(ConnectionString is null ? "none" : "***")}";
}

public sealed class ValidationOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Check requests against the model's metadata (fetched from the upstream and cached).</summary>
    public bool UseModelMetadata { get; set; } = true;

    public int MaxInputs { get; set; } = 64;

    public int MaxRank { get; set; } = 8;

    public long MaxElementsPerTensor { get; set; } = 1L << 28;

    public long MaxTotalBytes { get; set; } = 256L * 1024 * 1024;

    public bool RejectNonFinite { get; set; }

    public double? MinValue { get; set; }

    public double? MaxValue { get; set; }

    public bool RequireKnownInputs { get; set; } = true;
}

/// <summary>A policy's per-client limits (stage "limits", first in the pipeline).</summary>
public sealed class LimitsOptions
{
    public bool Enabled { get; set; }

    public List<BucketOptions> Buckets { get; set; } = new();

    public List<QuotaOptions> Quotas { get; set; } = new();

    /// <summary>Client ids (key:&lt;id&gt;, cert:&lt;subject&gt;, peer:&lt;address&gt;) that skip the limits; bans still apply.</summary>
    public List<string> Allow { get; set; } = new();

    /// <summary>Client ids refused with PERMISSION_DENIED.</summary>
    public List<string> Deny { get; set; } = new();

    /// <summary>A request costs its batch size (first dimension) instead of 1.</summary>
    public bool CostPerRow { get; set; }

    /// <summary>failOpen (answer from this process's state, flagged) or failClosed (UNAVAILABLE) when Redis is down.</summary>
    public string OnStateUnavailable { get; set; } = "failOpen";
}

/// <summary>A token bucket: up to <see cref="Capacity"/> requests at once, refilled at <see cref="RefillPerSecond"/>.</summary>
public sealed class BucketOptions
{
    public string Name { get; set; } = "";

    /// <summary>client, clientModel or model.</summary>
    public string Scope { get; set; } = "client";

    public double Capacity { get; set; }

    public double RefillPerSecond { get; set; }
}

/// <summary>At most <see cref="Limit"/> requests per <see cref="Window"/> (windows aligned to the Unix epoch).</summary>
public sealed class QuotaOptions
{
    public string Name { get; set; } = "";

    public string Scope { get; set; } = "client";

    public long Limit { get; set; }

    public TimeSpan Window { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>A policy's fingerprint stage (after Blacklight); defaults calibrated on the demo Fashion-MNIST data.</summary>
public sealed class FingerprintPolicyOptions
{
    public bool Enabled { get; set; }

    /// <summary>Elements per hashed window (50 for MNIST-like and larger inputs).</summary>
    public int Window { get; set; } = 50;

    public int Stride { get; set; } = 1;

    /// <summary>Quantization step on the 0..255 scale.</summary>
    public float QuantizationStep { get; set; } = 50;

    /// <summary>Input range mapped onto 0..255 (255 for inputs in [0, 1]; 1 for inputs already in 0..255).</summary>
    public float InputScale { get; set; } = 255;

    /// <summary>Hashes kept per query.</summary>
    public int TopS { get; set; } = 50;

    /// <summary>Shared hashes with one earlier query at which a query is part of an attack.</summary>
    public int Threshold { get; set; } = 25;

    /// <summary>Leave out windows of one quantization level (flat backgrounds every benign image shares).</summary>
    public bool SkipUninformativeWindows { get; set; } = true;

    public TimeSpan IndexLifetime { get; set; } = TimeSpan.FromHours(1);

    public int IdsPerHash { get; set; } = 8;

    /// <summary>reject, silentReject, delay, ban or flag; unset: the policy's <c>actions.default</c>.</summary>
    public string? Action { get; set; }
}
