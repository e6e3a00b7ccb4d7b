namespace Kozuchi.Channels.Email;

/// <summary>An ACS connection string: <c>endpoint=https://&lt;resource&gt;.communication.azure.com/;accesskey=&lt;base64&gt;</c>.</summary>
public sealed record AcsConnectionString(Uri Endpoint, string AccessKey)
{
    public static AcsConnectionString Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        string? endpoint = null, key = null;
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var name = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            if (name.Equals("endpoint", StringComparison.OrdinalIgnoreCase))
            {
                endpoint = value;
            }
            else if (name.Equals("accesskey", StringComparison.OrdinalIgnoreCase))
            {
                key = value;
            }
        }

        if (endpoint is null || key is null || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            // The message never includes the string itself: it holds the key.
            throw new FormatException("The ACS connection string needs endpoint=<https url> and accesskey=<base64>.");
        }

        return new AcsConnectionString(uri, key);
    }
}
