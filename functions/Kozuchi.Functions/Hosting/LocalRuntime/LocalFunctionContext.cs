using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Hosting.LocalRuntime;

/// <summary>
/// The <see cref="FunctionContext"/> a <c>[Function]</c> method gets when <c>kozuchi serve</c> runs it: the function's
/// name and entry point, an invocation id, the trigger's binding data, the invocation's services and cancellation.
/// </summary>
public sealed class LocalFunctionContext : FunctionContext
{
    private readonly LocalFunctionDefinition _definition;

    public LocalFunctionContext(LocalFunction function, IReadOnlyDictionary<string, object?> bindingData, IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        _definition = new LocalFunctionDefinition(function);
        BindingContext = new LocalBindingContext(bindingData);
        InstanceServices = services;
        CancellationToken = cancellationToken;
    }

    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId => _definition.Id;

    public override TraceContext TraceContext { get; } = new LocalTraceContext(Activity.Current?.Id ?? string.Empty, Activity.Current?.TraceStateString ?? string.Empty);

    public override BindingContext BindingContext { get; }

    public override RetryContext RetryContext => null!;

    public override IServiceProvider InstanceServices { get; set; }

    public override FunctionDefinition FunctionDefinition => _definition;

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features { get; } = new LocalFeatures();

    public override CancellationToken CancellationToken { get; }

    private sealed class LocalFunctionDefinition(LocalFunction function) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters { get; } =
            [.. function.Method.GetParameters().Select(p => new FunctionParameter(p.Name!, p.ParameterType, p.HasDefaultValue, p.HasDefaultValue ? p.DefaultValue : null))];

        public override string PathToAssembly => function.Method.DeclaringType!.Assembly.Location;

        public override string EntryPoint => function.EntryPoint;

        public override string Id => function.Name;

        public override string Name => function.Name;

        public override IImmutableDictionary<string, BindingMetadata> InputBindings { get; } =
            function.Bindings.Where(b => !b.Direction.Equals("Out", StringComparison.OrdinalIgnoreCase)).ToImmutableDictionary(b => b.Name, b => (BindingMetadata)new LocalBinding(b));

        public override IImmutableDictionary<string, BindingMetadata> OutputBindings { get; } =
            function.Bindings.Where(b => b.Direction.Equals("Out", StringComparison.OrdinalIgnoreCase)).ToImmutableDictionary(b => b.Name, b => (BindingMetadata)new LocalBinding(b));
    }

    private sealed class LocalBinding(FunctionBinding binding) : BindingMetadata
    {
        public override string Name => binding.Name;

        public override string Type => binding.Type;

        public override BindingDirection Direction => binding.Direction.Equals("Out", StringComparison.OrdinalIgnoreCase) ? BindingDirection.Out : BindingDirection.In;
    }

    private sealed class LocalBindingContext(IReadOnlyDictionary<string, object?> data) : BindingContext
    {
        public override IReadOnlyDictionary<string, object?> BindingData => data;
    }

    private sealed class LocalTraceContext(string traceParent, string traceState) : TraceContext
    {
        public override string TraceParent => traceParent;

        public override string TraceState => traceState;
    }

    private sealed class LocalFeatures : IInvocationFeatures
    {
        private readonly Dictionary<Type, object> _features = [];

        public void Set<T>(T instance) => _features[typeof(T)] = instance!;

        public T? Get<T>() => _features.TryGetValue(typeof(T), out var value) ? (T)value : default;

        public IEnumerator<KeyValuePair<Type, object>> GetEnumerator() => _features.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
