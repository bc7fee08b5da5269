namespace JointOps.Server.Infrastructure;

/// <summary>
/// Security headers on every response. The pages load scripts and styles from this server only and have no inline
/// script; the Hangfire dashboard (Admin only) ships inline script of its own and keeps a looser policy.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    private const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

    private const string DashboardPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

    public Task InvokeAsync(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        headers.XFrameOptions = "DENY";
        if (!http.Request.Path.StartsWithSegments("/dev/mail"))
        {
            // The development mail page sets its own, stricter policy.
            headers.ContentSecurityPolicy = http.Request.Path.StartsWithSegments("/hangfire") ? DashboardPolicy : Policy;
        }

        return next(http);
    }
}
