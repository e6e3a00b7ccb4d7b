using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Functions.Channels;
using Kozuchi.Functions.Cli;
using Kozuchi.Storage.Scenarios;

namespace Kozuchi.Functions.Scenarios;

/// <summary>
/// <c>kozuchi scenario validate &lt;file&gt;</c> checks a definition offline (no storage), for editors and CI;
/// <c>create|activate|pause|resume|guard|stop|list|results</c> work on the configured storage, as the API does.
/// </summary>
public static class ScenarioCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };

    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "Scenario definition (JSON)" };
        var templates = new Option<string[]>("--template")
        {
            Description = "A template id the shop has stored (repeat or comma-separate), besides the built-in ones",
            AllowMultipleArgumentsPerToken = true,
        };
        var validate = new Command("validate", "Validate a scenario definition offline against the built-in templates (and --template ids); prints each error with its step id, missing templates and parts included, and exits 1 when there is any.") { file, templates };
        validate.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                await error.WriteLineAsync($"{path.FullName}: file not found.");
                return 2;
            }

            // Offline: the built-in templates with their parts, and the ids given as stored ones (with every part).
            var known = new Dictionary<string, IReadOnlySet<Channel>>(TemplateCatalog.DefaultChannels("ja"), StringComparer.Ordinal);
            foreach (var id in (parse.GetValue(templates) ?? []).SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                known[id] = new HashSet<Channel>(Enum.GetValues<Channel>());
            }

            var (definition, errors) = ScenarioJson.Parse(await File.ReadAllTextAsync(path.FullName, ct), new ScenarioValidationOptions { TemplateChannels = known });
            if (errors.Count > 0)
            {
                foreach (var e in errors)
                {
                    await error.WriteLineAsync($"{path.Name}: {e}");
                }

                await error.WriteLineAsync($"{errors.Count} error(s).");
                return 1;
            }

            await output.WriteLineAsync($"{path.Name}: valid — scenario '{definition!.Id}' v{definition.Version}, {definition.Steps.Count} steps.");
            return 0;
        });
        var command = new Command("scenario", "Nurture scenarios.") { validate, CreateCommand(), ListCommand(), ResultsCommand() };
        command.Subcommands.Add(ActivateCommand());
        command.Subcommands.Add(Lifecycle("pause", "Hold timers and sends; no new enrollments.", (s, id, ct) => s.PauseAsync(id, ct)));
        command.Subcommands.Add(Lifecycle("resume", "Back to active; what came due while paused goes out now.", (s, id, ct) => s.ResumeAsync(id, ct)));
        command.Subcommands.Add(Lifecycle("guard", "For a scenario created before entry guards: give its enrollments their guards, then mark it guarded.", (s, id, ct) => s.GuardAsync(id, ct)));
        command.Subcommands.Add(Lifecycle("stop", "End every running enrollment as stopped.", async (s, id, ct) =>
        {
            var (result, head, _) = await s.StopAsync(id, ct);
            return (result, head);
        }));
        return command;
    }

    private static Command CreateCommand()
    {
        var file = new Argument<FileInfo>("file") { Description = "Scenario definition (JSON)" };
        var activate = new Option<bool>("--activate") { Description = "Activate it right away" };
        var create = new Command("create", "Store a scenario definition (a new version when the id exists); exits 1 with errors when it is not valid.") { file, activate };
        create.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            var error = parse.InvocationConfiguration.Error;
            if (!path.Exists)
            {
                await error.WriteLineAsync($"{path.FullName}: file not found.");
                return 2;
            }

            using var host = await CliHost.StartAsync(ct);
            var service = host.Services.GetRequiredService<ScenarioService>();
            var created = await service.CreateAsync(await File.ReadAllTextAsync(path.FullName, ct), null, ct);
            if (created.Outcome is null)
            {
                foreach (var e in created.Errors)
                {
                    await error.WriteLineAsync($"{path.Name}: {e}");
                }

                if (created.Gaps.Any)
                {
                    await error.WriteLineAsync($"{path.Name}: not stored — {created.Gaps.Templates.Count} template(s) missing or incomplete; save them with PUT /api/templates/{{id}} first.");
                }

                return 1;
            }

            if (created.Outcome == StoreOutcome.Conflict)
            {
                await error.WriteLineAsync($"{path.Name}: scenario '{created.Definition!.Id}' already has version {created.Definition.Version} or later with other content.");
                return 1;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync($"scenario '{created.Definition!.Id}' v{created.Definition.Version}: {created.Outcome.Value.ToString().ToLowerInvariant()}");
            if (parse.GetValue(activate))
            {
                return await ReportActivationAsync(parse, created.Definition.Id, await service.ActivateAsync(created.Definition.Id, ct));
            }

            return 0;
        });
        return create;
    }

    private static Command ActivateCommand()
    {
        var id = new Argument<string>("id") { Description = "Scenario id" };
        var command = new Command("activate", "Start enrolling customers (on the latest version); refused, with the list, when a template or channel provider it needs is missing.") { id };
        command.SetAction(async (parse, ct) =>
        {
            using var host = await CliHost.StartAsync(ct);
            var scenarioId = parse.GetValue(id)!;
            return await ReportActivationAsync(parse, scenarioId, await host.Services.GetRequiredService<ScenarioService>().ActivateAsync(scenarioId, ct));
        });
        return command;
    }

    private static async Task<int> ReportActivationAsync(ParseResult parse, string scenarioId, ActivationResult activation)
    {
        var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        switch (activation.Result)
        {
            case LifecycleResult.Done:
                await output.WriteLineAsync($"scenario '{scenarioId}' is {activation.Head!.Status.ToString().ToLowerInvariant()} (v{activation.Head.ActiveVersion}).");
                return 0;
            case LifecycleResult.Refused:
                await error.WriteLineAsync($"scenario '{scenarioId}' was not activated:");
                foreach (var problem in activation.Problems.Errors)
                {
                    await error.WriteLineAsync($"  {problem}");
                }

                return 1;
            case LifecycleResult.NotFound:
                await error.WriteLineAsync($"scenario '{scenarioId}' does not exist.");
                return 1;
            default:
                await error.WriteLineAsync($"cannot activate a scenario that is {activation.Head!.Status.ToString().ToLowerInvariant()}.");
                return 1;
        }
    }

    private static Command Lifecycle(string name, string description, Func<ScenarioService, string, CancellationToken, Task<(LifecycleResult Result, ScenarioHead? Head)>> action)
    {
        var id = new Argument<string>("id") { Description = "Scenario id" };
        var command = new Command(name, description) { id };
        command.SetAction(async (parse, ct) =>
        {
            using var host = await CliHost.StartAsync(ct);
            var (result, head) = await action(host.Services.GetRequiredService<ScenarioService>(), parse.GetValue(id)!, ct);
            var line = result switch
            {
                LifecycleResult.NotFound => $"scenario '{parse.GetValue(id)}' does not exist.",
                LifecycleResult.Invalid => $"cannot {name} a scenario that is {head!.Status.ToString().ToLowerInvariant()}.",
                _ => $"scenario '{head!.ScenarioId}' is {head.Status.ToString().ToLowerInvariant()} (v{head.ActiveVersion}).",
            };
            await (result == LifecycleResult.Done ? parse.InvocationConfiguration.Output : parse.InvocationConfiguration.Error).WriteLineAsync(line);
            return result == LifecycleResult.Done ? 0 : 1;
        });
        return command;
    }

    private static Command ListCommand()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var list = new Command("list", "Scenarios with their status and versions.") { json };
        list.SetAction(async (parse, ct) =>
        {
            using var host = await CliHost.StartAsync(ct);
            var heads = await host.Services.GetRequiredService<ScenarioService>().ListAsync(ct);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(heads, Json));
                return 0;
            }

            foreach (var h in heads.OrderBy(h => h.ScenarioId, StringComparer.Ordinal))
            {
                await output.WriteLineAsync($"{h.ScenarioId,-32} {h.Status,-8} active v{h.ActiveVersion}  latest v{h.LatestVersion}  {h.Name}");
            }

            return 0;
        });
        return list;
    }

    private static Command ResultsCommand()
    {
        var id = new Argument<string>("id") { Description = "Scenario id" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var results = new Command("results", "Entered, sent, converted, CVR and revenue per arm, with the tests against the control arm and the holdout.") { id, json };
        results.SetAction(async (parse, ct) =>
        {
            using var host = await CliHost.StartAsync(ct);
            var view = await host.Services.GetRequiredService<ScenarioService>().ResultsAsync(parse.GetValue(id)!, ct);
            if (view is null)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"scenario '{parse.GetValue(id)}' does not exist.");
                return 1;
            }

            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(view, Json));
                return 0;
            }

            await output.WriteLineAsync($"{view.ScenarioId} ({view.Status}): entered {view.Results.Entered:N0}, sent {view.Results.Sent:N0}, converted {view.Results.Converted:N0}, revenue {Currencies.Display(view.Results.Revenue, view.Results.Currency)}"
                + string.Concat(view.Results.OtherRevenue.Select(o => $" (also {Currencies.Display(o.Amount, o.Currency)}, not added)")));
            foreach (var a in view.Results.Arms)
            {
                var versus = a.VersusControl is { } v ? string.Create(CultureInfo.InvariantCulture, $"  vs {v.Control}: ΔCVR {v.Conversion.Estimate:+0.0%;-0.0%} p={v.Conversion.PValue:0.000}") : "";
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {a.Arm,-16} entered {a.Entered,7:N0}  sent {a.Sent,7:N0}  converted {a.Converted,6:N0}  CVR {a.ConversionRate,7:P2}  revenue/customer {a.RevenuePerCustomer,10:N0}{versus}"));
            }

            foreach (var u in view.Results.Uplift)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  uplift of {u.Treatment} over holdout: CVR {u.Uplift.ConversionUplift.Estimate:+0.00%;-0.00%} [{u.Uplift.ConversionUplift.Lower:+0.00%;-0.00%}, {u.Uplift.ConversionUplift.Upper:+0.00%;-0.00%}] p={u.Uplift.ConversionUplift.PValue:0.000}, incremental revenue {u.Uplift.IncrementalRevenue:N0}"));
            }

            return 0;
        });
        return results;
    }
}
