using Microsoft.AspNetCore.Http;

namespace Guard.Admin.Api;

/// <summary>
/// Headers on every admin response: a strict content security policy (scripts and styles only from this origin, no
/// framing), no MIME sniffing, no referrer, and no caching of API answers (they carry policies and client ids).
/// </summary>
public static class AdminSecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public static Task ApplyAsync(HttpContext http, Func<Task> next)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
        return next();
    }
}
