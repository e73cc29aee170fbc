using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Guard.Admin.Operations;
using Guard.Admin.Protocol;
using Guard.Admin.Security;
using Guard.Rpc;
using Guard.Rpc.Server;

namespace Guard.Admin.Api;

/// <summary>guard.admin.v1.AdminService: the same operations as the JSON API, for the CLI and automation. Every call
/// needs <c>authorization: Bearer TOKEN</c>; failures map to gRPC statuses.</summary>
public sealed class AdminGrpcService(AdminSurface admin)
{
    public void Register(GrpcServiceRegistry registry) => registry
        .AddUnary(AdminMethods.ListPolicies, (ListPoliciesRequest _, ServerCallContext c) => Call(c, AdminRole.Reviewer, _ =>
        {
            var list = admin.Policies.List();
            var response = new ListPoliciesResponse { Version = list.Version };
            foreach (var (name, policy) in list.Policies)
            {
                response.PoliciesJson[name] = policy.ToJsonString();
            }

            response.ModelPolicies.Add(new Dictionary<string, string>(list.ModelPolicies));
            return Task.FromResult(response);
        }))
        .AddUnary(AdminMethods.GetPolicy, (GetPolicyRequest r, ServerCallContext c) => Call(c, AdminRole.Reviewer, _ =>
        {
            var view = admin.Policies.Get(r.Name);
            var response = new GetPolicyResponse { Version = view.Version, Name = view.Name, PolicyJson = view.Policy.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), Source = view.Source };
            response.Models.AddRange(view.Models);
            return Task.FromResult(response);
        }))
        .AddUnary(AdminMethods.SetPolicy, (SetPolicyRequest r, ServerCallContext c) => Call(c, AdminRole.Admin, async principal =>
        {
            JsonObject? policy;
            try
            {
                policy = JsonNode.Parse(r.PolicyJson) as JsonObject;
            }
            catch (JsonException ex)
            {
                throw new AdminException(AdminErrorKind.Invalid, "The policy is not valid JSON.", [$"policy: {ex.Message}"]);
            }

            var commit = await admin.Policies.SetAsync(principal, r.Name, policy, r.Reason, r.BaseVersion, c.CancellationToken);
            var response = new SetPolicyResponse { Version = commit.Version };
            response.Changes.AddRange(commit.Changes.Select(Change));
            return response;
        }))
        .AddUnary(AdminMethods.GetPolicyHistory, (GetPolicyHistoryRequest r, ServerCallContext c) => Call(c, AdminRole.Reviewer, async _ =>
        {
            var response = new GetPolicyHistoryResponse();
            foreach (var v in await admin.Policies.HistoryAsync(r.Limit > 0 ? r.Limit : 50, r.Before, c.CancellationToken))
            {
                var version = new PolicyVersion
                {
                    Version = v.Version, TimeUtc = Time(v.TimeUtc), User = v.User, Role = v.Role, Action = v.Action,
                    Policy = v.Policy, Reason = v.Reason, RolledBackTo = v.RolledBackTo ?? 0,
                };
                version.Changes.AddRange(v.Changes.Select(Change));
                response.Versions.Add(version);
            }

            return response;
        }))
        .AddUnary(AdminMethods.RollbackPolicy, (RollbackPolicyRequest r, ServerCallContext c) => Call(c, AdminRole.Admin, async principal =>
            new RollbackPolicyResponse { Version = (await admin.Policies.RollbackAsync(principal, r.Version, r.Reason, c.CancellationToken)).Version }))
        .AddUnary(AdminMethods.ListBlockedQueries, (ListBlockedQueriesRequest r, ServerCallContext c) => Call(c, AdminRole.Reviewer, async _ =>
        {
            var page = await admin.Blocked.ListAsync(
                new BlockedQueryCriteria(r.FromUtc, r.ToUtc, r.Client, r.Model, r.Guard, r.Action, r.PageSize > 0 ? r.PageSize : null, r.Cursor), c.CancellationToken);
            var response = new ListBlockedQueriesResponse { NextCursor = page.Next ?? "" };
            response.Items.AddRange(page.Items.Select(Blocked));
            return response;
        }))
        .AddUnary(AdminMethods.GetBlockedQuery, (GetBlockedQueryRequest r, ServerCallContext c) => Call(c, AdminRole.Reviewer, async _ =>
        {
            var d = await admin.Blocked.DetailAsync(r.Id, c.CancellationToken);
            var query = Blocked(new BlockedSummary(d.Id, d.TimeUtc, d.RequestId, d.Client, d.Model, d.ModelVersion, d.Guard, d.Score, d.Threshold, d.Action, d.HasSnapshot));
            query.InputHash = d.InputHash;
            query.MatchedQueryIds.AddRange(d.MatchedQueryIds);
            return query;
        }))
        .AddUnary(AdminMethods.ListBans, (ListBansRequest _, ServerCallContext c) => Call(c, AdminRole.Reviewer, async _ =>
        {
            var response = new ListBansResponse();
            response.Bans.AddRange((await admin.Bans.ListAsync(c.CancellationToken)).Select(b => new Ban { Client = b.Client, Reason = b.Reason, ExpiresUtc = Time(b.ExpiresUtc) }));
            return response;
        }))
        .AddUnary(AdminMethods.BanClient, (BanClientRequest r, ServerCallContext c) => Call(c, AdminRole.Admin, async principal =>
        {
            await admin.Bans.BanAsync(principal, r.Client, r.DurationSeconds > 0 ? TimeSpan.FromSeconds(r.DurationSeconds) : null, r.Reason, c.CancellationToken);
            return new BanClientResponse();
        }))
        .AddUnary(AdminMethods.UnbanClient, (UnbanClientRequest r, ServerCallContext c) => Call(c, AdminRole.Admin, async principal =>
            new UnbanClientResponse { WasBanned = await admin.Bans.UnbanAsync(principal, r.Client, null, c.CancellationToken) }));

    private async Task<TResponse> Call<TResponse>(ServerCallContext context, AdminRole role, Func<AdminPrincipal, Task<TResponse>> handler)
    {
        try
        {
            if (BearerToken.Authenticate(admin.Authenticator, context.RequestHeaders.GetValue("authorization") ?? "") is not { } principal)
            {
                throw new AdminException(AdminErrorKind.Unauthenticated, "An admin token is required (authorization: Bearer TOKEN).");
            }

            PolicyOperations.Require(principal, role);
            return await handler(principal);
        }
        catch (AdminException ex)
        {
            var code = ex.Kind switch
            {
                AdminErrorKind.Invalid => StatusCode.InvalidArgument,
                AdminErrorKind.Unauthenticated => StatusCode.Unauthenticated,
                AdminErrorKind.Forbidden => StatusCode.PermissionDenied,
                AdminErrorKind.NotFound => StatusCode.NotFound,
                AdminErrorKind.Conflict => StatusCode.Aborted,
                AdminErrorKind.TooManyRequests => StatusCode.ResourceExhausted,
                _ => StatusCode.Unavailable,
            };
            throw new RpcException(code, ex.Problems.Count > 0 ? $"{ex.Message} {string.Join("; ", ex.Problems)}" : ex.Message);
        }
    }

    private static Protocol.PolicyChange Change(Policies.PolicyChange c) => new() { Path = c.Path, From = c.From, To = c.To };

    private static Protocol.BlockedQuery Blocked(BlockedSummary s) => new()
    {
        Id = s.Id, TimeUtc = Time(s.TimeUtc), RequestId = s.RequestId, Client = s.Client, Model = s.Model, ModelVersion = s.ModelVersion,
        Guard = s.Guard, Score = s.Score, Threshold = s.Threshold, Action = s.Action, HasSnapshot = s.HasSnapshot,
    };

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
}
