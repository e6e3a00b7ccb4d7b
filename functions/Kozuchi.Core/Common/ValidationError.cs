namespace Kozuchi.Core.Common;

/// <summary>
/// One problem in a definition a shop wrote. <see cref="NodeId"/> names the step (or trigger, or segment) at fault
/// and <see cref="Field"/> the property, so an editor can point at it; <see cref="Path"/> is the JSON path.
/// </summary>
public sealed record ValidationError(string Path, string Message, string? NodeId = null, string? Field = null)
{
    public override string ToString()
    {
        var where = NodeId is null ? Path : Field is null ? $"node '{NodeId}'" : $"node '{NodeId}', field '{Field}'";
        return $"{where}: {Message}";
    }
}
