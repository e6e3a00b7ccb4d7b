using Azure.Storage.Blobs;

namespace Kozuchi.Storage.Infrastructure;

/// <summary>A blob name built from input that <see cref="BlobNames"/> refuses.</summary>
public sealed class UnsafeBlobNameException(string message) : ArgumentException(message);

/// <summary>
/// The one check for every blob name the app builds from input (a dropped file's name, a delivery id, an import's
/// name, a customer or export id). The SDK puts the name into the blob's URL, where <c>..</c> segments are resolved
/// before the request is sent: <c>a/../../exports/x</c> would write into another container. Refused: empty names,
/// names over 1,024 characters, a leading <c>/</c>, empty, <c>.</c> or <c>..</c> segments, a trailing <c>.</c> or
/// <c>/</c> (Azure's own advice), backslashes (which some tools turn into <c>/</c>), and control characters.
/// </summary>
public static class BlobNames
{
    public const int MaxLength = 1024;

    /// <summary>Why <paramref name="name"/> may not be used as a blob name, or null when it may.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "A blob name is required.";
        }

        if (name.Length > MaxLength)
        {
            return $"A blob name is at most {MaxLength} characters.";
        }

        if (name.Any(char.IsControl) || !IsWellFormed(name))
        {
            return "A blob name may not contain control characters or broken characters.";
        }

        if (name.Contains('\\', StringComparison.Ordinal))
        {
            return "A blob name may not contain a backslash.";
        }

        if (name.StartsWith('/'))
        {
            return "A blob name may not start with '/'.";
        }

        if (name.EndsWith('/') || name.EndsWith('.'))
        {
            return "A blob name may not end with '/' or '.'.";
        }

        return name.Split('/').Any(segment => segment is "" or "." or "..")
            ? "A blob name may not contain '..', '.' or empty path segments."
            : null;
    }

    /// <summary>No lone surrogate: such a name has no UTF-8 form, so it cannot reach the service intact.</summary>
    private static bool IsWellFormed(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(name[i]))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsSafe(string? name) => Problem(name) is null;

    /// <summary>The name itself when it is safe; otherwise <see cref="UnsafeBlobNameException"/>.</summary>
    public static string Require(string? name) => Problem(name) is { } problem ? throw new UnsafeBlobNameException(problem) : name!;

    /// <summary>The blob client for a name built from input, after <see cref="Require"/>.</summary>
    public static BlobClient Blob(this BlobContainerClient container, string? name)
    {
        ArgumentNullException.ThrowIfNull(container);
        return container.GetBlobClient(Require(name));
    }
}
