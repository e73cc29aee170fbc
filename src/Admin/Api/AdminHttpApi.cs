using System.Text.Json;
using System.Text.Json.Nodes;
using Guard.Admin.Operations;
using Guard.Admin.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Guard.Admin.Api;

/// <summary>The JSON API of the console (src/Admin/API.md): every route but log-in needs a principal; changes need the admin role.</summary>
public static class AdminHttpApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Map(IEndpointRouteBuilder routes, AdminSurface admin)
    {
        var api = routes.MapGroup("/api");

        api.MapPost("/session", (HttpContext http, CancellationToken aborted) => Run(http, async () =>
        {
            RequestAuthenticator.CheckOrigin(http);
            var body = await ReadAsync<LoginBody>(http);
            var session = await admin.Sessions.LoginAsync(body?.Token, http.Connection.RemoteIpAddress?.ToString() ?? "unknown", http.RequestAborted);
            http.Response.Cookies.Append(RequestAuthenticator.CookieName, session.Id, new CookieOptions
            {
                HttpOnly = true,
                Secure = true,
                SameSite = SameSiteMode.Strict,
                Path = "/",
                Expires = session.ExpiresUtc,
            });
            return Results.Json(View(session), Json);
        }));
        api.MapGet("/session", (HttpContext http, CancellationToken aborted) => Authed(http, admin, AdminRole.Reviewer, (_, session) =>
            session is null ? throw new AdminException(AdminErrorKind.Invalid, "Bearer tokens have no session.") : Task.FromResult(Results.Json(View(session), Json))));
        api.MapDelete("/session", (HttpContext http, CancellationToken aborted) => Authed(http, admin, AdminRole.Reviewer, async (_, session) =>
        {
            if (session is not null)
            {
                await admin.Sessions.LogoutAsync(session, http.RequestAborted);
            }

            http.Response.Cookies.Delete(RequestAuthenticator.CookieName, new CookieOptions { Secure = true, Path = "/", HttpOnly = true, SameSite = SameSiteMode.Strict });
            return Results.NoContent();
        }));

        api.MapGet("/models", (HttpContext http, CancellationToken aborted) => Authed(http, admin, AdminRole.Reviewer, (_, _) =>
            Task.FromResult(Results.Json(new { models = admin.Policies.Models() }, Json))));
        api.MapGet("/policies", (HttpContext http, CancellationToken aborted) => Authed(http, admin, AdminRole.Reviewer, (_, _) =>
            Task.FromResult(Results.Json(admin.Policies.List(), Json))));
        api.MapGet("/policies/history", (HttpContext http, int? limit, long? before) => Authed(http, admin, AdminRole.Reviewer, async (_, _) =>
            Results.Json(new { versions = await admin.Policies.HistoryAsync(limit ?? 50, before ?? 0, http.RequestAborted) }, Json)));
        api.MapGet("/policies/history/{version:long}", (HttpContext http, long version) => Authed(http, admin, AdminRole.Reviewer, async (_, _) =>
            Results.Json(await admin.Policies.VersionAsync(version, http.RequestAborted), Json)));
        api.MapPost("/policies/rollback", (HttpContext http, CancellationToken aborted) => Authed(http, admin, AdminRole.Admin, async (principal, _) =>
        {
            var body = await ReadAsync<RollbackBody>(http) ?? throw Invalid("body: {version, reason} is required");
            return Results.Json(await admin.Policies.RollbackAsync(principal, body.Version, body.Reason, http.RequestAborted), Json);
        }));
        api.MapGet("/policies/{name}", (HttpContext http, string name) => Authed(http, admin, AdminRole.Reviewer, (_, _) =>
            Task.FromResult(Results.Json(admin.Policies.Get(name), Json))));
        api.MapPut("/policies/{name}", (HttpContext http, string name) => Authed(http, admin, AdminRole.Admin, async (principal, _) =>
        {
            var body = await ReadAsync<SetPolicyBody>(http) ?? throw Invalid("body: {policy, reason} is required");
            return Results.Json(await admin.Policies.SetAsync(principal, name, body.Policy, body.Reason, body.BaseVersion, http.RequestAborted), Json);
        }));

        api.MapGet("/certification/{model}", (HttpContext http, string model) => Authed(http, admin, AdminRole.Reviewer, (_, _) =>
            Task.FromResult(Results.Json(admin.Tuning.Certification(model), Json))));
        api.MapPost("/certification/estimate", (HttpContext http, CancellationToken aborted) => Authed(http, admin, AdminRole.Reviewer, async (_, _) =>
        {
            var b = await ReadAsync<EstimateBody>(http) ?? throw Invalid("body: {baseModel, sigma, n, n0, alpha, minRadius} is required");
            return Results.Json(admin.Tuning.Estimate(b.BaseModel ?? "", b.Sigma, b.N, b.N0, b.Alpha, b.MinRadius), Json);
        }));
        api.MapGet("/guards/{policy}", (HttpContext http, string policy) => Authed(http, admin, AdminRole.Reviewer, (_, _) =>
            Task.FromResult(Results.Json(admin.Tuning.Guards(policy), Json))));

        api.MapGet("/blocked", (HttpContext http, CancellationToken aborted) => Authed(http, admin, AdminRole.Reviewer, async (_, _) =>
            Results.Json(await admin.Blocked.ListAsync(Criteria(http.Request.Query), http.RequestAborted), Json)));
        api.MapGet("/blocked/export", (HttpContext http, CancellationToken aborted) => Authed(http, admin, AdminRole.Reviewer, async (principal, _) =>
        {
            var format = http.Request.Query["format"].ToString() is "csv" ? "csv" : "json";
            var criteria = Criteria(http.Request.Query);
            BlockedQueryOperations.Filter(criteria with { Cursor = null });
            http.Response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"blocked-queries.{format}\"";
            await admin.Blocked.ExportAsync(principal, criteria, format, http.Response.Body, http.RequestAborted);
            return Results.Empty;
        }));
        api.MapGet("/blocked/{id:long}", (HttpContext http, long id) => Authed(http, admin, AdminRole.Reviewer, async (_, _) =>
            Results.Json(await admin.Blocked.DetailAsync(id, http.RequestAborted), Json)));
        api.MapGet("/blocked/{id:long}/image.png", (HttpContext http, long id, int? index, int? scale) => Authed(http, admin, AdminRole.Reviewer, async (_, _) =>
            await admin.Blocked.ImageAsync(id, index ?? 0, scale ?? 8, http.RequestAborted) is { } png
                ? Results.File(png, "image/png")
                : throw new AdminException(AdminErrorKind.NotFound, $"Blocked query {id} has no image input.")));

        api.MapGet("/bans", (HttpContext http, CancellationToken aborted) => Authed(http, admin, AdminRole.Reviewer, async (_, _) =>
            Results.Json(new { bans = await admin.Bans.ListAsync(http.RequestAborted) }, Json)));
        api.MapPost("/bans", (HttpContext http, CancellationToken aborted) => Authed(http, admin, AdminRole.Admin, async (principal, _) =>
        {
            var body = await ReadAsync<BanBody>(http) ?? throw Invalid("body: {client, duration, reason} is required");
            TimeSpan? duration = null;
            if (!string.IsNullOrEmpty(body.Duration))
            {
                duration = TimeSpan.TryParse(body.Duration, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : throw Invalid("duration: a time span like 01:00:00");
            }

            await admin.Bans.BanAsync(principal, body.Client, duration, body.Reason, http.RequestAborted);
            return Results.NoContent();
        }));
        api.MapDelete("/bans/{client}", (HttpContext http, string client) => Authed(http, admin, AdminRole.Admin, async (principal, _) =>
            await admin.Bans.UnbanAsync(principal, client, http.Request.Query["reason"].ToString(), http.RequestAborted)
                ? Results.NoContent()
                : throw new AdminException(AdminErrorKind.NotFound, $"'{client}' is not banned.")));

        api.MapGet("/live", (HttpContext http, CancellationToken aborted) => Authed(http, admin, AdminRole.Reviewer, async (_, _) =>
            Results.Json(await admin.Live.ReadAsync(http.RequestAborted), Json)));
        api.MapGet("/audit", (HttpContext http, int? limit, long? before, string? user, string? action) => Authed(http, admin, AdminRole.Reviewer, async (_, _) =>
            Results.Json(new { entries = await admin.Audit.Log.ListAsync(Math.Clamp(limit ?? 50, 1, 1000), before, Blank(user), Blank(action), http.RequestAborted) }, Json)));

        // Anything else under /api is an API error, not the console page.
        api.Map("/{**rest}", (HttpContext http, CancellationToken aborted) => Run(http, () => throw new AdminException(AdminErrorKind.NotFound, "There is no such API route.")));
    }

    private static BlockedQueryCriteria Criteria(IQueryCollection q) =>
        new(q["from"], q["to"], q["client"], q["model"], q["guard"], q["action"], int.TryParse(q["pageSize"], out var size) ? size : null, q["cursor"]);

    private static SessionView View(AdminSession session) =>
        new SessionView(session.Principal.User, session.Principal.RoleName, session.CsrfToken, session.ExpiresUtc);

    private static Task<IResult> Authed(HttpContext http, AdminSurface admin, AdminRole role, Func<AdminPrincipal, AdminSession?, Task<IResult>> handler) =>
        Run(http, () =>
        {
            var (principal, session) = admin.Requests.Authenticate(http);
            PolicyOperations.Require(principal, role);
            return handler(principal, session);
        });

    private static async Task<IResult> Run(HttpContext http, Func<Task<IResult>> handler)
    {
        try
        {
            return await handler();
        }
        catch (AdminException ex)
        {
            return Error(ex);
        }
        catch (JsonException ex)
        {
            return Error(Invalid($"body: not valid JSON of the expected shape ({ex.Message})"));
        }
        catch (BadHttpRequestException ex)
        {
            return Error(Invalid($"request: {ex.Message}"));
        }
    }

    public static IResult Error(AdminException ex)
    {
        var status = ex.Kind switch
        {
            AdminErrorKind.Invalid => StatusCodes.Status400BadRequest,
            AdminErrorKind.Unauthenticated => StatusCodes.Status401Unauthorized,
            AdminErrorKind.Forbidden => StatusCodes.Status403Forbidden,
            AdminErrorKind.NotFound => StatusCodes.Status404NotFound,
            AdminErrorKind.Conflict => StatusCodes.Status409Conflict,
            AdminErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
            _ => StatusCodes.Status503ServiceUnavailable,
        };
        return Results.Json(ex.Problems.Count > 0 ? new { error = ex.Message, problems = ex.Problems } : (object)new { error = ex.Message }, Json, statusCode: status);
    }

    private static AdminException Invalid(string problem) => new(AdminErrorKind.Invalid, "The request is not valid.", [problem]);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static async Task<T?> ReadAsync<T>(HttpContext http)
        where T : class
    {
        if (http.Request.ContentLength is > 1024 * 1024)
        {
            throw Invalid("body: at most 1 MiB");
        }

        if (!(http.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ?? false))
        {
            // Forms cannot send JSON cross-site without a CORS preflight, which this API never grants.
            throw Invalid("body: Content-Type must be application/json");
        }

        return await JsonSerializer.DeserializeAsync<T>(http.Request.Body, Json, http.RequestAborted);
    }

    private sealed record LoginBody(string? Token);

    private sealed record SetPolicyBody(JsonObject? Policy, string? Reason, long? BaseVersion);

    private sealed record RollbackBody(long Version, string? Reason);

    private sealed record BanBody(string? Client, string? Duration, string? Reason);

    private sealed record EstimateBody(string? BaseModel, double Sigma, int N, int N0, double Alpha, double MinRadius);
}
