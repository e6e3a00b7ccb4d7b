using System.Reflection;
using System.Text.Json.Nodes;

namespace Kozuchi.Functions.Hosting.LocalRuntime;

/// <summary>One binding of a function as <c>functions.metadata</c> states it (<c>type</c>, <c>direction</c>, and the rest as written).</summary>
public sealed record FunctionBinding(string Name, string Type, string Direction, JsonObject Properties)
{
    public bool IsTrigger => Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase) && Direction.Equals("In", StringComparison.OrdinalIgnoreCase);

    public string? this[string key] =>
        Properties.FirstOrDefault(p => p.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).Value is JsonValue v ? v.ToString() : null;

    public IReadOnlyList<string> List(string key) =>
        Properties.FirstOrDefault(p => p.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).Value is JsonArray a
            ? [.. a.Select(n => n!.ToString())]
            : [];
}

/// <summary>A function as the host knows it (its name, trigger and bindings) and the method that runs it.</summary>
public sealed record LocalFunction(string Name, string EntryPoint, string ScriptFile, IReadOnlyList<FunctionBinding> Bindings, MethodInfo Method)
{
    public FunctionBinding Trigger => Bindings.Single(b => b.IsTrigger);

    public string TriggerType => Trigger.Type;

    public bool IsHttp => TriggerType.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The functions of the build, read from the <c>functions.metadata</c> the Worker SDK writes next to the executable
/// (the file the Functions host reads), each resolved to its <c>[Function]</c> method by its entry point. Nothing else
/// tells <c>kozuchi serve</c> what to run, so it runs exactly what Azure runs.
/// </summary>
public sealed class FunctionCatalog
{
    public const string FileName = "functions.metadata";

    public FunctionCatalog(IEnumerable<LocalFunction> functions)
    {
        Functions = [.. functions];
        var twice = Functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw new InvalidOperationException($"The function '{twice.Key}' is declared twice.");
        }
    }

    public IReadOnlyList<LocalFunction> Functions { get; }

    public LocalFunction? Find(string name) => Functions.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Where the build put it: beside the executable.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, FileName);

    public static FunctionCatalog Load(string? path = null)
    {
        path ??= DefaultPath;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: kozuchi serve runs the functions the Worker SDK lists there at build time (dotnet build functions/Kozuchi.Functions).", path);
        }

        return Parse(File.ReadAllText(path));
    }

    public static FunctionCatalog Parse(string json) => new(Entries(json));

    /// <summary>This catalog and <paramref name="json"/>'s functions (tests add functions of their own this way).</summary>
    public FunctionCatalog With(string json) => new(Functions.Concat(Entries(json)));

    private static IEnumerable<LocalFunction> Entries(string json)
    {
        foreach (var entry in JsonNode.Parse(json)!.AsArray().Select(e => e!.AsObject()))
        {
            var name = (string)entry["name"]!;
            var entryPoint = (string)entry["entryPoint"]!;
            var scriptFile = (string?)entry["scriptFile"] ?? "kozuchi.dll";
            var bindings = entry["bindings"]!.AsArray().Select(b => b!.AsObject()).Select(b => new FunctionBinding(
                (string)b["name"]!, (string)b["type"]!, (string?)b["direction"] ?? "In", b)).ToList();
            yield return new LocalFunction(name, entryPoint, scriptFile, bindings, Resolve(name, entryPoint, scriptFile));
        }
    }

    private static MethodInfo Resolve(string name, string entryPoint, string scriptFile)
    {
        var dot = entryPoint.LastIndexOf('.');
        var assembly = Assembly.Load(new AssemblyName(Path.GetFileNameWithoutExtension(scriptFile)));
        var type = assembly.GetType(entryPoint[..dot]) ?? throw new InvalidOperationException($"{name}: no type {entryPoint[..dot]} in {scriptFile}.");
        var methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Where(m => m.Name == entryPoint[(dot + 1)..]).ToList();
        return methods.Count == 1 ? methods[0] : throw new InvalidOperationException($"{name}: {entryPoint} names {methods.Count} methods, not one.");
    }
}
