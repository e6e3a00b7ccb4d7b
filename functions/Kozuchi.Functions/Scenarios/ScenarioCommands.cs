using System.CommandLine;
using Kozuchi.Core.Scenarios;

namespace Kozuchi.Functions.Scenarios;

/// <summary><c>kozuchi scenario validate &lt;file&gt;</c>: checks a definition offline (no storage), for editors and CI.</summary>
public static class ScenarioCommands
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "Scenario definition (JSON)" };
        var templates = new Option<string[]>("--template")
        {
            Description = "A template id that exists (repeat or comma-separate); when given, sends to other templates are errors",
            AllowMultipleArgumentsPerToken = true,
        };
        var validate = new Command("validate", "Validate a scenario definition; prints each error with its step id and exits 1 when there is any.") { file, templates };
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

            var known = parse.GetValue(templates) is { Length: > 0 } t
                ? new HashSet<string>(t.SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), StringComparer.Ordinal)
                : null;
            var (definition, errors) = ScenarioJson.Parse(await File.ReadAllTextAsync(path.FullName, ct), new ScenarioValidationOptions { Templates = known });
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
        return new Command("scenario", "Nurture scenarios.") { validate };
    }
}
