using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Guard.Gateway.Hosting;
using Guard.Integration.Tests.Infrastructure;
using Guard.Rpc.Client;

namespace Guard.Integration.Tests.Admin;

/// <summary>
/// A Guard with the console on: an admin and a reviewer (tokens configured as hashes), API-key clients, the demo
/// classifier behind a k-NN policy and the σ = 0.25 model behind a smoothing policy, all on the embedded host.
/// </summary>
public sealed class AdminGuard : IAsyncDisposable
{
    public const string AdminToken = "admin-token-7f3a9c51e2b84d06a1c5f9e2d3b7a468";
    public const string ReviewerToken = "reviewer-token-1b8e4f2a9c7d3e5f6a0b1c2d3e4f5a6b";
    public const string AttackerKey = "attacker-key-5c2e9a1f";
    public const string BenignKey = "benign-key-8d4b6e3a";

    private readonly TempModelRepository _repository;

    private AdminGuard(GuardServer server, TempModelRepository repository)
    {
        Server = server;
        _repository = repository;
        var addresses = server.Get<ListenerAddresses>();
        ConsoleUri = new Uri($"http://127.0.0.1:{addresses.Admin!.Port}");
        AdminGrpcUri = new Uri($"http://127.0.0.1:{addresses.AdminGrpc!.Port}");
    }

    public GuardServer Server { get; }

    public Uri ConsoleUri { get; }

    public Uri AdminGrpcUri { get; }

    public static string Yaml(TempModelRepository repository, string stateSection = "") => repository.ModelHostYaml() + $$"""
        identity:
          apiKeys:
            - { id: attacker, sha256: {{Identity.ApiKeyIdentityTests.Sha256(AttackerKey)}} }
            - { id: benign, sha256: {{Identity.ApiKeyIdentityTests.Sha256(BenignKey)}} }
        models:
          fashion_cnn: { upstream: embedded, policy: guarded }
          fashion_cnn_s025: { upstream: embedded, policy: smoothed }
        policies:
          guarded:
            limits: { enabled: true }
            validation: { enabled: true, useModelMetadata: true, rejectNonFinite: true, minValue: 0, maxValue: 1 }
            knn: { enabled: true, action: reject, minNeighbours: 3 }
          smoothed:
            limits: { enabled: true }
            smoothing: { enabled: true, baseModel: fashion_cnn_s025, sigma: 0.25, n0: 20, n: 200, alpha: 0.01, batchSize: 200, minRadius: 0, action: flag }
        admin:
          reportsDirectories: [ {{Path.Combine(RepoPaths.Root, "reports")}} ]
          policyPollInterval: "00:00:01"
          users:
            - { name: alice, role: admin, tokenSha256: {{Identity.ApiKeyIdentityTests.Sha256(AdminToken)}} }
            - { name: bob, role: reviewer, tokenSha256: {{Identity.ApiKeyIdentityTests.Sha256(ReviewerToken)}} }
        {{stateSection}}
        """;

    public static async Task<AdminGuard> StartAsync(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var repository = new TempModelRepository().AddDemo("fashion_cnn").AddDemo("fashion_cnn_s025");
        try
        {
            return new AdminGuard(await GuardServer.StartAsync(Yaml(repository), overrides), repository);
        }
        catch
        {
            repository.Dispose();
            throw;
        }
    }

    /// <summary>An HTTP client for the console port; with a token, every request carries it as a bearer.</summary>
    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = ConsoleUri };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public GrpcChannel Inference() => new(Server.GrpcUri, new GrpcChannelOptions());

    /// <summary>PUTs <paramref name="policy"/> after editing a copy of the one in force.</summary>
    public static async Task<HttpResponseMessage> EditPolicyAsync(HttpClient client, string name, Action<JsonObject> edit, string reason = "test change", long? baseVersion = null)
    {
        var current = (await client.GetFromJsonAsync<JsonObject>($"/api/policies/{name}"))!;
        var policy = current["policy"]!.AsObject();
        edit(policy);
        return await client.PutAsJsonAsync($"/api/policies/{name}", new { policy, reason, baseVersion = baseVersion ?? current["version"]!.GetValue<long>() });
    }

    public static async Task<JsonObject> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {expected}, got {(int)response.StatusCode} {response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _repository.Dispose();
    }
}
