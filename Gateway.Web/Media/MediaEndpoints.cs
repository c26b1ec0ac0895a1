using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using OrleansChat.Gateway.Auth;
using OrleansChat.Gateway.Media.Storage;
using OrleansChat.Gateway.Media.Upload;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Media;

/// <summary>What <c>POST /api/media</c> answers: the id to put in a message, and what the server measured.</summary>
public sealed record UploadedMedia(
    string MediaId, MediaKind Kind, string Mime, long Bytes, string Url, int? Width = null, int? Height = null, int? DurationMs = null, string? Thumbnail = null);

/// <summary>
/// <c>POST /api/media</c> (upload, token required) and <c>GET /api/media/{id}</c> / <c>GET /api/media/{id}/thumb</c>
/// (a signed URL, or a token of someone allowed to read it). Served bytes are immutable per id: long-lived caching, an
/// ETag, HTTP Range, and headers that stop a browser from treating them as anything but the declared media type.
/// </summary>
public static partial class MediaEndpoints
{
    public static IEndpointRouteBuilder MapMediaEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/media", UploadAsync).DisableAntiforgery();
        endpoints.MapGet("/api/media/{id}", (string id, HttpContext context, IMediaStore store, MediaUrlSigner signer, MediaAccess access, TokenService tokens) =>
            ServeAsync(id, MediaVariant.Original, context, store, signer, access, tokens));
        endpoints.MapGet("/api/media/{id}/thumb", (string id, HttpContext context, IMediaStore store, MediaUrlSigner signer, MediaAccess access, TokenService tokens) =>
            ServeAsync(id, MediaVariant.Thumbnail, context, store, signer, access, tokens));
        return endpoints;
    }

    private static async Task<IResult> UploadAsync(
        HttpContext context, MediaUploads uploads, UploadRateLimiter limiter, MediaUrlSigner signer, TokenService tokens, ILogger<MediaUploads> logger)
    {
        if (await UserAsync(context.Request, tokens) is not { } user)
        {
            return Error(StatusCodes.Status401Unauthorized, ChatErrorCode.Unauthorized, "a valid token in Authorization: Bearer is required");
        }

        if (limiter.TryAcquire(user.Id) is { } retryAfter)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return Results.Json(
                new HttpError(ChatErrorCode.RateLimited, $"too many uploads: try again in {seconds} s", seconds * 1000L),
                ProtocolJson.Options,
                statusCode: StatusCodes.Status429TooManyRequests);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = uploads.MaxRequestBytes;
        }

        try
        {
            var media = await uploads.UploadAsync(user.Id, context.Request, context.RequestAborted);
            var url = signer.Sign(media.MediaId);
            var thumbnail = media.ThumbnailMime is null ? null : MediaUrlSigner.ThumbnailOf(url);
            return Results.Json(
                new UploadedMedia(media.MediaId, media.Kind, media.Mime, media.Bytes, url, media.Width, media.Height, media.DurationMs, thumbnail),
                ProtocolJson.Options);
        }
        catch (MediaRefusedException refused)
        {
            LogRefused(logger, user.Id, refused.Status, refused.Message);
            var code = refused.Status == StatusCodes.Status413PayloadTooLarge ? ChatErrorCode.TooLarge : ChatErrorCode.BadRequest;
            return Error(refused.Status, code, refused.Message);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Error(StatusCodes.Status413PayloadTooLarge, ChatErrorCode.TooLarge, $"the request is larger than {uploads.MaxRequestBytes} bytes");
        }
        catch (InvalidDataException e)
        {
            return Error(StatusCodes.Status400BadRequest, ChatErrorCode.BadRequest, $"malformed multipart body: {e.Message}");
        }
    }

    private static async Task<IResult> ServeAsync(
        string id, MediaVariant variant, HttpContext context, IMediaStore store, MediaUrlSigner signer, MediaAccess access, TokenService tokens)
    {
        var query = context.Request.Query;
        var media = MediaIds.IsWellFormed(id) ? await store.FindAsync(id, context.RequestAborted) : null;
        if (!signer.IsValid(id, query["exp"], query["kid"], query["sig"]))
        {
            var user = await UserAsync(context.Request, tokens);
            if (user is null && !query.ContainsKey("sig"))
            {
                return Error(StatusCodes.Status401Unauthorized, ChatErrorCode.Unauthorized, "a signed URL or a valid token in Authorization: Bearer is required");
            }

            // Unknown and forbidden look alike: an outsider learns nothing about which ids exist.
            if (user is null || media is null || !await access.CanReadAsync(user.Id, media, context.RequestAborted))
            {
                return Error(StatusCodes.Status403Forbidden, ChatErrorCode.Forbidden, "this signed URL has expired or is not valid, or you may not read this media");
            }
        }

        if (media?.Variant(variant) is not { } stored || await store.OpenReadAsync(id, variant, context.RequestAborted) is not { } stream)
        {
            return Error(StatusCodes.Status404NotFound, ChatErrorCode.NotFound, "no such media");
        }

        var headers = context.Response.Headers;
        headers.CacheControl = "private, max-age=31536000, immutable";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        return Results.Stream(stream, stored.Mime, enableRangeProcessing: true, entityTag: new EntityTagHeaderValue($"\"{id}.{(int)variant}\""));
    }

    private static async Task<UserProfile?> UserAsync(HttpRequest request, TokenService tokens) =>
        BearerToken.FromAuthorizationHeader(request) is { } token && await tokens.ValidateAsync(token) is { } identity ? identity.User : null;

    private static IResult Error(int status, ChatErrorCode code, string message) =>
        Results.Json(new HttpError(code, message), ProtocolJson.Options, statusCode: status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Upload by {UserId} refused with {Status}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string userId, int status, string reason);
}
