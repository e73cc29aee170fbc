using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Guard.Guards.Validation;
using Guard.ModelHost.Configuration;

namespace Guard.Gateway.Configuration;

/// <summary>Checks a whole configuration and names every problem by its path, e.g. <c>models.simple.upstream</c>.</summary>
public static class GuardOptionsValidator
{
    private static readonly string[] LoadBalancers = ["roundRobin", "leastOutstanding"];
    private static readonly string[] ClientCertificateModes = ["none", "allow", "require"];
    private static readonly string[] Compressions = ["gzip", "deflate"];

    public static IReadOnlyList<string> Validate(GuardOptions options)
    {
        var errors = new List<string>();
        ValidateListeners(options.Listeners, errors);
        ValidateIdentity(options, errors);
        ValidateState(options.State, errors);
        foreach (var (name, upstream) in options.Upstreams)
        {
            ValidateUpstream($"upstreams.{name}", upstream, errors);
        }

        if (options.Upstreams.ContainsKey(ModelOptions.EmbeddedUpstream))
        {
            errors.Add($"upstreams.{ModelOptions.EmbeddedUpstream}: '{ModelOptions.EmbeddedUpstream}' is reserved for the embedded model host");
        }

        if (options.ModelHost is { } host)
        {
            ValidateModelHost(host, options, errors);
        }

        if (options.Models.Count == 0)
        {
            errors.Add("models: at least one model must be routed");
        }

        foreach (var (name, model) in options.Models)
        {
            var path = $"models.{name}";
            CheckUpstreamName($"{path}.upstream", model.Upstream, options, errors);
            foreach (var (version, upstream) in model.Versions)
            {
                CheckUpstreamName($"{path}.versions.{version}", upstream, options, errors);
            }

            if (model.Policy is { } policy && policy != ModelOptions.NoPolicy && !options.Policies.ContainsKey(policy))
            {
                errors.Add($"{path}.policy: unknown policy '{policy}' (known: {Known(options.Policies.Keys)})");
            }
        }

        foreach (var (name, policy) in options.Policies)
        {
            if (name == ModelOptions.NoPolicy)
            {
                errors.Add($"policies.{name}: '{ModelOptions.NoPolicy}' is reserved for models without guards");
            }

            foreach (var problem in ToValidationOptions(policy.Validation).Validate())
            {
                errors.Add($"policies.{name}.validation: {problem}");
            }

            ValidateLimits($"policies.{name}.limits", policy.Limits, errors);
            ValidateFingerprint($"policies.{name}.fingerprint", policy.Fingerprint, options.QueryPatterns, errors);
            ValidateKnn($"policies.{name}.knn", policy.Knn, errors);
            ValidateSqueezing($"policies.{name}.squeezing", policy.Squeezing, options, errors);
            ValidateLearnedDetector($"policies.{name}.learnedDetector", policy.LearnedDetector, options, errors);
            ValidateSmoothing($"policies.{name}.smoothing", policy.Smoothing, options, errors);
            ValidateActions($"policies.{name}", policy, options.QueryPatterns, errors);
        }

        ValidateBlockedQueryLog(options.BlockedQueryLog, errors);
        ValidateAdmin(options, errors);

        return errors;
    }

    public static RequestValidationOptions ToValidationOptions(ValidationOptions v) => new()
    {
        MaxInputs = v.MaxInputs,
        MaxRank = v.MaxRank,
        MaxElementsPerTensor = v.MaxElementsPerTensor,
        MaxTotalBytes = v.MaxTotalBytes,
        RejectNonFinite = v.RejectNonFinite,
        MinValue = v.MinValue,
        MaxValue = v.MaxValue,
        RequireKnownInputs = v.RequireKnownInputs,
    };

    private static void ValidateState(Guard.State.StateOptions state, List<string> errors)
    {
        if (state.KeyPrefix.Contains('{', StringComparison.Ordinal) || state.KeyPrefix.Contains('}', StringComparison.Ordinal))
        {
            errors.Add("state.keyPrefix: must not contain braces (they would change the keys' Redis Cluster hash slot)");
        }
        if (state.Embedded.MaxEntries < 1)
        {
            errors.Add("state.embedded.maxEntries: must be 1 or more");
        }
        if (state.Breaker.FailureThreshold < 1 || state.Breaker.OpenDuration <= TimeSpan.Zero)
        {
            errors.Add("state.breaker: failureThreshold must be 1 or more and openDuration positive");
        }
        if (state.Backend != Guard.State.StateBackend.Redis)
        {
            return;
        }

        var redis = state.Redis;
        if (redis.Endpoints.Count == 0)
        {
            errors.Add("state.redis.endpoints: at least one host:port is required for the redis backend");
        }
        foreach (var endpoint in redis.Endpoints)
        {
            if (!HostPort.TryParse(endpoint, out _, out var error) && !IsHostNamePort(endpoint))
            {
                errors.Add($"state.redis.endpoints: '{endpoint}': {error}");
            }
        }
        if (redis.Protocol is not (2 or 3))
        {
            errors.Add("state.redis.protocol: must be 2 or 3");
        }
        if (redis.Database < 0 || (redis.Cluster && redis.Database != 0))
        {
            errors.Add("state.redis.database: must be 0 or more, and 0 with cluster: true");
        }
        if (redis.ConnectTimeout <= TimeSpan.Zero || redis.CommandTimeout <= TimeSpan.Zero)
        {
            errors.Add("state.redis: connectTimeout and commandTimeout must be positive");
        }
        if (redis.Tls?.Ca is { } ca && !File.Exists(ca))
        {
            errors.Add($"state.redis.tls.ca: '{ca}' does not exist");
        }
    }

    /// <summary>Redis endpoints may name a host (redis.internal:6379), which listener addresses may not.</summary>
    private static bool IsHostNamePort(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return colon > 0 && int.TryParse(endpoint.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            && Uri.CheckHostName(endpoint[..colon]) != UriHostNameType.Unknown;
    }

    private static void ValidateFingerprint(string path, FingerprintPolicyOptions fingerprint, QueryPatternsOptions queryPatterns, List<string> errors)
    {
        if (!fingerprint.Enabled)
        {
            return;
        }
        if (queryPatterns.Secret is not { Length: >= 16 })
        {
            errors.Add($"{path}: needs queryPatterns.secret, at least 16 characters (set GUARD_queryPatterns__secret)");
        }
        if (fingerprint.IndexLifetime <= TimeSpan.Zero || fingerprint.IdsPerHash < 1)
        {
            errors.Add($"{path}: indexLifetime must be positive and idsPerHash at least 1");
        }
        try
        {
            Runtime.GatewaySnapshotBuilder.ToFingerprintOptions(fingerprint, "validation-only-secret").Validate();
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{path}: {ex.Message}");
        }
    }

    public static readonly string[] ActionNames = ["reject", "silentReject", "delay", "ban", "flag"];

    /// <summary>The actions of a policy's detecting stages: known names, and what ban and silentReject depend on.</summary>
    private static void ValidateActions(string path, PolicyOptions policy, QueryPatternsOptions queryPatterns, List<string> errors)
    {
        var actions = policy.Actions;
        var used = new List<(string At, string Action)> { ($"{path}.actions.default", actions.Default) };
        if (policy.Fingerprint is { Enabled: true, Action: { } fingerprintAction })
        {
            used.Add(($"{path}.fingerprint.action", fingerprintAction));
        }

        if (policy.Knn is { Enabled: true, Action: { } knnAction })
        {
            used.Add(($"{path}.knn.action", knnAction));
        }

        if (policy.Squeezing is { Enabled: true, Action: { } squeezingAction })
        {
            used.Add(($"{path}.squeezing.action", squeezingAction));
        }

        if (policy.LearnedDetector is { Enabled: true, Action: { } detectorAction })
        {
            used.Add(($"{path}.learnedDetector.action", detectorAction));
        }

        if (policy.Smoothing.Enabled)
        {
            used.Add(($"{path}.smoothing.action", policy.Smoothing.Action));
        }

        foreach (var (at, action) in used)
        {
            if (!ActionNames.Contains(action))
            {
                errors.Add($"{at}: '{action}' is not one of {string.Join(", ", ActionNames)}");
            }
        }

        var effective = EffectiveActions(policy).ToList();
        if (effective.Contains("ban") && !policy.Limits.Enabled)
        {
            errors.Add($"{path}: action 'ban' needs limits.enabled: true, the stage that refuses banned clients");
        }

        if (effective.Contains("silentReject") && queryPatterns.Secret is not { Length: >= 16 })
        {
            errors.Add($"{path}: action 'silentReject' needs queryPatterns.secret (it keys the decoy answers)");
        }

        if (actions.Delay <= TimeSpan.Zero || actions.Delay > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{path}.actions.delay: must be more than 0 and at most 5 minutes (got {actions.Delay})");
        }

        if (actions.BanFor <= TimeSpan.Zero)
        {
            errors.Add($"{path}.actions.banFor: must be positive (got {actions.BanFor})");
        }

        var hardening = policy.OutputHardening;
        if (hardening.Mode is not ("none" or "top1" or "round"))
        {
            errors.Add($"{path}.outputHardening.mode: '{hardening.Mode}' is not none, top1 or round");
        }

        if (hardening.Decimals is < 0 or > 6)
        {
            errors.Add($"{path}.outputHardening.decimals: must be 0 to 6 (got {hardening.Decimals})");
        }
    }

    /// <summary>The actions the enabled detecting stages of <paramref name="policy"/> will take.</summary>
    private static IEnumerable<string> EffectiveActions(PolicyOptions policy)
    {
        if (policy.Fingerprint.Enabled)
        {
            yield return policy.Fingerprint.Action ?? policy.Actions.Default;
        }

        if (policy.Knn.Enabled)
        {
            yield return policy.Knn.Action ?? policy.Actions.Default;
        }

        if (policy.Squeezing.Enabled)
        {
            yield return policy.Squeezing.Action ?? policy.Actions.Default;
        }

        if (policy.LearnedDetector.Enabled)
        {
            yield return policy.LearnedDetector.Action ?? policy.Actions.Default;
        }

        if (policy.Smoothing.Enabled)
        {
            yield return policy.Smoothing.Action;
        }
    }

    /// <summary>
    /// A model a stage runs: named, and either on the embedded host (listed there, when the host lists its models) or
    /// routed to an upstream, which then needs its input name, row shape, output and output width spelled out.
    /// </summary>
    private static void ValidateStageModel(string at, string? model, bool upstreamAllowed, (string? Input, List<long>? Shape, string? Output, int? Width) upstreamShape, GuardOptions options, List<string> errors)
    {
        if (string.IsNullOrEmpty(model))
        {
            errors.Add($"{at}: the model to run is required");
            return;
        }

        var upstream = options.Models.TryGetValue(model, out var route) && route.Upstream != ModelOptions.EmbeddedUpstream;
        if (upstream && upstreamAllowed)
        {
            if (upstreamShape.Input is null || upstreamShape.Shape is not { Count: > 0 } shape || shape.Any(d => d < 1) || upstreamShape.Output is null || upstreamShape.Width is not >= 1)
            {
                errors.Add($"{at}: '{model}' is on an upstream, so the stage needs its input, inputShape (one row, positive sizes), output and its width");
            }
        }
        else if (options.ModelHost is null)
        {
            errors.Add($"{at}: needs the embedded model host (modelHost) serving '{model}'{(upstreamAllowed ? ", or a route to an upstream" : "")}");
        }
        else if (options.ModelHost.Models is { Count: > 0 } listed && !listed.Contains(model))
        {
            errors.Add($"{at}: '{model}' is not among modelHost.models");
        }
    }

    private static void ValidateSqueezing(string path, SqueezingPolicyOptions squeezing, GuardOptions options, List<string> errors)
    {
        if (!squeezing.Enabled)
        {
            return;
        }

        ValidateStageModel($"{path}.model", squeezing.Model, upstreamAllowed: true, (squeezing.Input, squeezing.InputShape, squeezing.Output, squeezing.Outputs), options, errors);
        if (squeezing.Scores is not ("logits" or "probabilities"))
        {
            errors.Add($"{path}.scores: '{squeezing.Scores}' is not logits or probabilities");
        }

        if (squeezing.EffectiveSqueezers.Count == 0)
        {
            errors.Add($"{path}.squeezers: at least one squeezer is needed");
        }

        foreach (var name in squeezing.EffectiveSqueezers)
        {
            try
            {
                Guards.Detectors.Squeezing.SqueezerSpec.Parse(name);
            }
            catch (ArgumentException ex)
            {
                errors.Add($"{path}.squeezers: {ex.Message}");
            }
        }

        if (squeezing.Threshold is not { } threshold)
        {
            errors.Add($"{path}.threshold: required (run guard calibrate to set it for a target false-positive rate)");
        }
        else if (!double.IsFinite(threshold) || threshold < 0 || threshold > 2)
        {
            errors.Add($"{path}.threshold: an L1 distance between two probability vectors lies in [0, 2] (got {threshold})");
        }
    }

    private static void ValidateLearnedDetector(string path, LearnedDetectorPolicyOptions detector, GuardOptions options, List<string> errors)
    {
        if (!detector.Enabled)
        {
            return;
        }

        ValidateStageModel($"{path}.model", detector.Model, upstreamAllowed: false, default, options, errors);
        if (detector.Input == "logits")
        {
            ValidateStageModel($"{path}.classifier", detector.Classifier, upstreamAllowed: false, default, options, errors);
        }
        else if (detector.Input != "image")
        {
            errors.Add($"{path}.input: '{detector.Input}' is not image or logits");
        }

        if (detector.Threshold is not { } threshold)
        {
            errors.Add($"{path}.threshold: required (run guard calibrate to set it for a target false-positive rate)");
        }
        else if (!double.IsFinite(threshold))
        {
            errors.Add($"{path}.threshold: must be a finite number (got {threshold})");
        }
    }

    private static void ValidateSmoothing(string path, SmoothingPolicyOptions smoothing, GuardOptions options, List<string> errors)
    {
        if (!smoothing.Enabled)
        {
            return;
        }

        ValidateStageModel($"{path}.baseModel", smoothing.BaseModel, upstreamAllowed: true, (smoothing.Input, smoothing.InputShape, smoothing.Output, smoothing.Classes is >= 2 ? smoothing.Classes : null), options, errors);
        if (smoothing.Fallback is { } fallback && !options.Models.ContainsKey(fallback))
        {
            errors.Add($"{path}.fallback: '{fallback}' is not a routed model");
        }

        try
        {
            Runtime.GatewaySnapshotBuilder.ToSmoothingOptions(smoothing).Validate();
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{path}: {ex.Message}");
        }
    }

    private static void ValidateKnn(string path, KnnPolicyOptions knn, List<string> errors)
    {
        if (!knn.Enabled)
        {
            return;
        }

        if (knn.Encoder is not null)
        {
            CheckFile($"{path}.encoder", knn.Encoder, errors);
        }

        try
        {
            Runtime.GatewaySnapshotBuilder.ToKnnOptions(knn, Guard.Guards.Pipeline.DetectionAction.Reject).Validate();
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{path}: {ex.Message}");
        }
    }

    private static void ValidateBlockedQueryLog(BlockedQueryLogSettings log, List<string> errors)
    {
        const string path = "blockedQueryLog";
        switch (log.Backend)
        {
            case "sqlite" when string.IsNullOrWhiteSpace(log.Path):
                errors.Add($"{path}.path: the SQLite file is required for the sqlite backend");
                break;
            case "postgres" when string.IsNullOrWhiteSpace(log.ConnectionString):
                errors.Add($"{path}.connectionString: required for the postgres backend (set GUARD_blockedQueryLog__connectionString)");
                break;
            case "sqlite" or "postgres":
                break;
            default:
                errors.Add($"{path}.backend: '{log.Backend}' is not sqlite or postgres");
                break;
        }

        if (log.MaxAge <= TimeSpan.Zero || log.RetentionInterval <= TimeSpan.Zero)
        {
            errors.Add($"{path}: maxAge and retentionInterval must be positive");
        }

        if (log.MaxRows is < 1)
        {
            errors.Add($"{path}.maxRows: must be 1 or more when set");
        }

        if (log.MaxSnapshotBytes < 0)
        {
            errors.Add($"{path}.maxSnapshotBytes: must be 0 or more");
        }
    }

    private static readonly string[] Scopes = ["client", "clientModel", "model"];

    private static void ValidateLimits(string path, LimitsOptions limits, List<string> errors)
    {
        if (limits.OnStateUnavailable is not ("failOpen" or "failClosed"))
        {
            errors.Add($"{path}.onStateUnavailable: '{limits.OnStateUnavailable}' is not failOpen or failClosed");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < limits.Buckets.Count; i++)
        {
            var bucket = limits.Buckets[i];
            var at = $"{path}.buckets[{i}]";
            CheckLimitName(at, bucket.Name, bucket.Scope, names, errors);
            if (!(bucket.Capacity > 0) || !double.IsFinite(bucket.Capacity))
            {
                errors.Add($"{at}.capacity: must be positive");
            }
            if (!(bucket.RefillPerSecond >= 0) || !double.IsFinite(bucket.RefillPerSecond))
            {
                errors.Add($"{at}.refillPerSecond: must be zero or positive");
            }
        }

        for (var i = 0; i < limits.Quotas.Count; i++)
        {
            var quota = limits.Quotas[i];
            var at = $"{path}.quotas[{i}]";
            CheckLimitName(at, quota.Name, quota.Scope, names, errors);
            if (quota.Limit < 1)
            {
                errors.Add($"{at}.limit: must be 1 or more");
            }
            if (quota.Window < TimeSpan.FromMilliseconds(1) || quota.Window.Ticks % TimeSpan.TicksPerMillisecond != 0)
            {
                errors.Add($"{at}.window: must be a whole number of milliseconds, at least one");
            }
        }
    }

    private static void CheckLimitName(string at, string name, string scope, HashSet<string> names, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add($"{at}.name: a name is required (refusals name their limit)");
        }
        else if (!names.Add(name))
        {
            errors.Add($"{at}.name: '{name}' is used by another limit of this policy");
        }
        if (!Scopes.Contains(scope))
        {
            errors.Add($"{at}.scope: '{scope}' is not one of client, clientModel, model");
        }
    }

    private static void ValidateIdentity(GuardOptions options, List<string> errors)
    {
        var listener = options.Listeners.Grpc.Identity;
        foreach (var source in listener.EffectiveSources)
        {
            if (source is not (ListenerIdentityOptions.ApiKey or ListenerIdentityOptions.Certificate or ListenerIdentityOptions.Peer))
            {
                errors.Add($"listeners.grpc.identity.sources: unknown source '{source}' (expected apiKey, certificate, peer)");
            }
        }
        if (listener.EffectiveSources.Count != listener.EffectiveSources.Distinct(StringComparer.Ordinal).Count())
        {
            errors.Add("listeners.grpc.identity.sources: a source is listed twice");
        }
        if (!listener.AllowAnonymous && !listener.EffectiveSources.Any(s => s is ListenerIdentityOptions.ApiKey or ListenerIdentityOptions.Certificate))
        {
            errors.Add("listeners.grpc.identity: allowAnonymous is false but no credential source (apiKey, certificate) is listed, so no caller could get in");
        }
        // Only when asked for explicitly: by default a listener without client certificates simply has none to read.
        if (listener.Sources?.Contains(ListenerIdentityOptions.Certificate) == true && options.Listeners.Grpc.Tls is not { ClientCertificates: "allow" or "require" })
        {
            errors.Add("listeners.grpc.identity.sources: 'certificate' needs listeners.grpc.tls.clientCertificates allow or require");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Identity.ApiKeys.Count; i++)
        {
            var key = options.Identity.ApiKeys[i];
            var path = $"identity.apiKeys[{i}]";
            if (string.IsNullOrWhiteSpace(key.Id))
            {
                errors.Add($"{path}.id: a client id is required");
            }
            else if (!ids.Add(key.Id))
            {
                errors.Add($"{path}.id: '{key.Id}' is used by another key");
            }
            if (key.Sha256.Length != 64 || !key.Sha256.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                // Never echo the value: a key pasted here by mistake must not reach the logs.
                errors.Add($"{path}.sha256: must be 64 lower-case hex digits, the SHA-256 of the key (printf %s \"$KEY\" | sha256sum)");
            }
            else if (!hashes.Add(key.Sha256))
            {
                errors.Add($"{path}.sha256: the same key is listed twice");
            }
        }
    }

    private static void ValidateListeners(ListenersOptions listeners, List<string> errors)
    {
        var grpc = listeners.Grpc;
        if (!HostPort.TryParse(grpc.Address, out var grpcAddress, out var error))
        {
            errors.Add($"listeners.grpc.address: {error}");
        }

        if (grpc.MaxReceiveMessageBytes < 1024 || grpc.MaxSendMessageBytes < 1024)
        {
            errors.Add("listeners.grpc: maxReceiveMessageBytes and maxSendMessageBytes must be at least 1024");
        }

        if (grpc.MaxConcurrentStreams < 1)
        {
            errors.Add("listeners.grpc.maxConcurrentStreams: must be at least 1");
        }

        if (grpc.ResponseCompression is { } compression && !Compressions.Contains(compression))
        {
            errors.Add($"listeners.grpc.responseCompression: '{compression}' is not one of {string.Join(", ", Compressions)}");
        }

        if (grpc.Tls is { } tls)
        {
            CheckCertificate("listeners.grpc.tls", tls.Certificate, tls.Key, errors);
            if (!ClientCertificateModes.Contains(tls.ClientCertificates))
            {
                errors.Add($"listeners.grpc.tls.clientCertificates: '{tls.ClientCertificates}' is not one of {string.Join(", ", ClientCertificateModes)}");
            }
            else if (tls.ClientCertificates != "none")
            {
                CheckCaBundle("listeners.grpc.tls.clientCa", tls.ClientCa, errors);
            }
        }

        if (!string.IsNullOrEmpty(listeners.Http.Address))
        {
            if (!HostPort.TryParse(listeners.Http.Address, out var httpAddress, out error))
            {
                errors.Add($"listeners.http.address: {error}");
            }
            else if (httpAddress.Port != 0 && httpAddress.Port == grpcAddress.Port)
            {
                errors.Add("listeners.http.address: must use another port than listeners.grpc.address");
            }
        }
    }

    private static void ValidateAdmin(GuardOptions options, List<string> errors)
    {
        var admin = options.Admin;
        var names = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < admin.Users.Count; i++)
        {
            var user = admin.Users[i];
            var at = $"admin.users.{i}";
            if (string.IsNullOrWhiteSpace(user.Name) || user.Name.Length > 128)
            {
                errors.Add($"{at}.name: required, at most 128 characters");
            }
            else if (!names.Add(user.Name))
            {
                errors.Add($"{at}.name: '{user.Name}' is listed twice");
            }

            if (!Guard.Admin.Security.AdminRoles.TryParse(user.Role, out _))
            {
                errors.Add($"{at}.role: '{user.Role}' is not one of admin, reviewer");
            }

            // Never echo the value: a token pasted here by mistake must not reach the logs.
            if (user.TokenSha256.Length != 64 || !user.TokenSha256.All(char.IsAsciiHexDigit))
            {
                errors.Add($"{at}.tokenSha256: must be the 64 hex digits of the token's SHA-256 (printf %s \"$TOKEN\" | sha256sum), not the token");
            }
            else if (!hashes.Add(user.TokenSha256))
            {
                errors.Add($"{at}.tokenSha256: two users have the same token");
            }
        }

        if (!admin.Enabled)
        {
            return;
        }

        if (!HostPort.TryParse(admin.Address, out var address, out var error))
        {
            errors.Add($"admin.address: {error}");
        }
        else if (!address.IsLoopback && admin.Tls is null)
        {
            errors.Add("admin.address: a non-loopback address needs admin.tls (tokens and session cookies would cross the network in the clear)");
        }

        if (!string.IsNullOrEmpty(admin.GrpcAddress))
        {
            if (!HostPort.TryParse(admin.GrpcAddress, out var grpc, out error))
            {
                errors.Add($"admin.grpcAddress: {error}");
            }
            else if (!grpc.IsLoopback && admin.Tls is null)
            {
                errors.Add("admin.grpcAddress: a non-loopback address needs admin.tls");
            }
            else if (grpc.Port != 0 && grpc.Port == address.Port)
            {
                errors.Add("admin.grpcAddress: must use another port than admin.address");
            }
        }

        if (admin.Tls is { } tls)
        {
            CheckCertificate("admin.tls", tls.Certificate, tls.Key, errors);
        }

        if (admin.SessionIdleTimeout <= TimeSpan.Zero || admin.SessionLifetime <= TimeSpan.Zero)
        {
            errors.Add("admin: sessionIdleTimeout and sessionLifetime must be positive");
        }

        if (admin.MaxFailedLoginsPerMinute < 1)
        {
            errors.Add("admin.maxFailedLoginsPerMinute: must be at least 1");
        }

        if (admin.PolicyPollInterval < TimeSpan.FromMilliseconds(100))
        {
            errors.Add("admin.policyPollInterval: at least 100 ms");
        }
    }

    private static void ValidateUpstream(string path, UpstreamOptions upstream, List<string> errors)
    {
        if (upstream.Endpoints.Count == 0)
        {
            errors.Add($"{path}.endpoints: at least one endpoint is needed");
        }

        for (var i = 0; i < upstream.Endpoints.Count; i++)
        {
            var endpoint = upstream.Endpoints[i];
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https") || uri.AbsolutePath != "/")
            {
                errors.Add($"{path}.endpoints[{i}]: '{endpoint}' must be http://host:port (h2c) or https://host:port (TLS) without a path");
            }
        }

        if (!LoadBalancers.Contains(upstream.LoadBalancing))
        {
            errors.Add($"{path}.loadBalancing: '{upstream.LoadBalancing}' is not one of {string.Join(", ", LoadBalancers)}");
        }

        if (upstream.Retries is < 0 or > 5)
        {
            errors.Add($"{path}.retries: must be between 0 and 5");
        }

        if (upstream.MaxMessageBytes < 1024)
        {
            errors.Add($"{path}.maxMessageBytes: must be at least 1024");
        }

        if (upstream.DefaultTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            errors.Add($"{path}.defaultTimeout: must be positive");
        }

        var hc = upstream.HealthCheck;
        if (hc.Enabled && (hc.Interval <= TimeSpan.Zero || hc.Timeout <= TimeSpan.Zero || hc.Timeout > hc.Interval))
        {
            errors.Add($"{path}.healthCheck: interval and timeout must be positive, timeout no longer than interval");
        }

        if (hc.UnhealthyThreshold < 1 || hc.HealthyThreshold < 1)
        {
            errors.Add($"{path}.healthCheck: thresholds must be at least 1");
        }

        if (upstream.Tls is { } tls)
        {
            if (tls.Ca is not null)
            {
                CheckCaBundle($"{path}.tls.ca", tls.Ca, errors);
            }

            if ((tls.Certificate is null) != (tls.Key is null))
            {
                errors.Add($"{path}.tls: certificate and key go together");
            }
            else if (tls.Certificate is not null)
            {
                CheckCertificate($"{path}.tls", tls.Certificate, tls.Key, errors);
            }
        }
    }

    /// <summary>
    /// The repository must exist and hold every model that is listed or routed by name; whether each model loads
    /// is known only once ONNX Runtime has read it, and a model that does not is served as unavailable.
    /// </summary>
    private static void ValidateModelHost(ModelHostOptions host, GuardOptions options, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(host.Repository))
        {
            errors.Add("modelHost.repository: a model repository folder is required");
            return;
        }
        if (!Directory.Exists(host.Repository))
        {
            errors.Add($"modelHost.repository: '{Path.GetFullPath(host.Repository)}' does not exist");
            return;
        }
        if (host.OnnxRuntimeLibrary is { Length: > 0 } library && !File.Exists(library))
        {
            errors.Add($"modelHost.onnxRuntimeLibrary: '{Path.GetFullPath(library)}' does not exist");
        }

        var listed = host.Models.Count > 0 ? host.Models : null;
        foreach (var model in host.Models.Where(m => !Directory.Exists(Path.Combine(host.Repository, m))))
        {
            errors.Add($"modelHost.models: the repository has no model folder '{model}'");
        }
        foreach (var (name, model) in options.Models)
        {
            if (name == Runtime.GatewaySnapshot.CatchAllModel || model.Upstream != ModelOptions.EmbeddedUpstream)
            {
                continue;
            }
            if (!Directory.Exists(Path.Combine(host.Repository, name)))
            {
                errors.Add($"models.{name}.upstream: the model repository '{host.Repository}' has no model folder '{name}'");
            }
            else if (listed is not null && !listed.Contains(name))
            {
                errors.Add($"models.{name}.upstream: '{name}' is not among modelHost.models, so the embedded host does not load it");
            }
        }
    }

    private static void CheckUpstreamName(string path, string upstream, GuardOptions options, List<string> errors)
    {
        if (string.IsNullOrEmpty(upstream))
        {
            errors.Add($"{path}: an upstream is required");
        }
        else if (upstream == ModelOptions.EmbeddedUpstream)
        {
            if (options.ModelHost is null)
            {
                errors.Add($"{path}: '{ModelOptions.EmbeddedUpstream}' needs a modelHost section (the embedded model host is off)");
            }
        }
        else if (!options.Upstreams.ContainsKey(upstream))
        {
            errors.Add($"{path}: unknown upstream '{upstream}' (known: {Known(options.Upstreams.Keys)})");
        }
    }

    /// <summary>A PEM certificate and its key must exist and load: a start that fails later, on a listener, is worse.</summary>
    private static void CheckCertificate(string path, string? certificate, string? key, List<string> errors)
    {
        var before = errors.Count;
        CheckFile($"{path}.certificate", certificate, errors);
        CheckFile($"{path}.key", key, errors);
        if (errors.Count > before)
        {
            return;
        }

        try
        {
            using var loaded = X509Certificate2.CreateFromPemFile(certificate!, key);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            errors.Add($"{path}.certificate: could not load '{certificate}' with key '{key}': {ex.Message}");
        }
    }

    private static void CheckCaBundle(string path, string? file, List<string> errors)
    {
        var before = errors.Count;
        CheckFile(path, file, errors);
        if (errors.Count > before)
        {
            return;
        }

        try
        {
            var bundle = new X509Certificate2Collection();
            bundle.ImportFromPemFile(file!);
            if (bundle.Count == 0)
            {
                errors.Add($"{path}: '{file}' holds no PEM certificate");
            }

            foreach (var certificate in bundle)
            {
                certificate.Dispose();
            }
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            errors.Add($"{path}: could not read '{file}': {ex.Message}");
        }
    }

    private static void CheckFile(string path, string? file, List<string> errors)
    {
        if (string.IsNullOrEmpty(file))
        {
            errors.Add($"{path}: a file is required");
        }
        else if (!File.Exists(file))
        {
            errors.Add($"{path}: file '{file}' does not exist");
        }
    }

    private static string Known(IEnumerable<string> names)
    {
        var list = string.Join(", ", names);
        return list.Length == 0 ? "none" : list;
    }
}
