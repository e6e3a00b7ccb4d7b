using System.Globalization;
using Kozuchi.Core.Pulls;
using Kozuchi.Functions.Hosting;

namespace Kozuchi.Functions.Pulls;

/// <summary>
/// The configured shop sources (<c>Kozuchi:Pulls:Sources:{n}:…</c>, as app settings <c>Kozuchi__Pulls__Sources__0__Kind</c>
/// …). Read once; the <c>PullOrders</c> timer runs each on its own <c>Schedule</c>.
/// </summary>
public sealed class PullSources(IReadOnlyList<PullSource> sources)
{
    public IReadOnlyList<PullSource> All { get; } = sources;

    public PullSource? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A misconfigured source stops start-up with the setting to fix: a pull that silently never runs loses orders.</summary>
    public static PullSources Read(IConfiguration? configuration)
    {
        if (configuration is null)
        {
            return new PullSources([]);
        }

        var sources = new List<PullSource>();
        foreach (var section in configuration.GetSection("Kozuchi:Pulls:Sources").GetChildren())
        {
            var at = $"Kozuchi__Pulls__Sources__{section.Key}__";
            var kind = CartKinds.Parse(section["Kind"]) ?? throw new InvalidOperationException($"{at}Kind must be shopify, base or colorme.");
            var name = section["Name"] ?? kind.Code();
            if (!PullSource.IsValidName(name))
            {
                throw new InvalidOperationException($"{at}Name '{name}' must be ASCII letters, digits, '-' or '_' and start with a letter.");
            }

            var source = new PullSource
            {
                Name = name,
                Kind = kind,
                OrderSource = section["OrderSource"] ?? string.Empty,
                BaseUrl = Url(section["BaseUrl"], at + "BaseUrl"),
                TokenUrl = Url(section["TokenUrl"], at + "TokenUrl"),
                Schedule = section["Schedule"] ?? PullSource.DefaultSchedule,
                Overlap = Span(section["Overlap"], at + "Overlap") ?? TimeSpan.FromMinutes(10),
                Lookback = Span(section["Lookback"], at + "Lookback") ?? TimeSpan.Zero,
                PageSize = section["PageSize"] is { } size ? (int.TryParse(size, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new InvalidOperationException($"{at}PageSize must be a positive whole number.")) : 0,
                ApiVersion = section["ApiVersion"] ?? "2025-10",
                Credentials = new CartCredentials
                {
                    AccessToken = KeyVaultReferences.Resolved(section["AccessToken"]),
                    RefreshToken = KeyVaultReferences.Resolved(section["RefreshToken"]),
                    ClientId = section["ClientId"],
                    ClientSecret = KeyVaultReferences.Resolved(section["ClientSecret"]),
                    RedirectUri = section["RedirectUri"],
                },
            };
            if (!IsSchedule(source.Schedule))
            {
                throw new InvalidOperationException($"{at}Schedule '{source.Schedule}' is not a six-field NCRONTAB expression (second minute hour day month weekday, UTC).");
            }

            if (source.Kind == CartKind.Shopify && source.BaseUrl is null)
            {
                throw new InvalidOperationException($"{at}BaseUrl must be the shop's https://<shop>.myshopify.com.");
            }

            if (sources.Any(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new InvalidOperationException($"Two pull sources are named '{name}'.");
            }

            sources.Add(source);
        }

        return new PullSources(sources);
    }

    private static bool IsSchedule(string schedule)
    {
        try
        {
            _ = Cronos.CronExpression.Parse(schedule, Cronos.CronFormat.IncludeSeconds);
            return true;
        }
        catch (Cronos.CronFormatException)
        {
            return false;
        }
    }

    private static TimeSpan? Span(string? value, string setting) =>
        value is null ? null
        : TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero ? span
        : throw new InvalidOperationException($"{setting} must be a non-negative time span such as 00:10:00.");

    private static Uri? Url(string? value, string setting) =>
        value is null ? null
        : Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri
        : throw new InvalidOperationException($"{setting} is not an absolute URL.");
}
