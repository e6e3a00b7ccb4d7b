namespace Kozuchi.Functions;

public enum OutcomeKind
{
    Ok,
    Invalid,
    NotFound,
    Conflict,
    Refused,
    TooLarge,
}

/// <summary>
/// What an application service did with a request, without HTTP: its value, or why not (the caller's input was
/// invalid, the thing is missing, it conflicts, the caller was refused, the payload is too large). Function classes
/// map it to a response (<see cref="Hosting.Http.OutcomeResults"/>); the CLI prints it.
/// </summary>
public sealed record Outcome<T>(OutcomeKind Kind, T? Value, string? Problem)
{
    public bool Succeeded => Kind == OutcomeKind.Ok;

    public static implicit operator Outcome<T>(T value) => new(OutcomeKind.Ok, value, null);
}

public static class Outcome
{
    public static Outcome<T> Ok<T>(T value) => new(OutcomeKind.Ok, value, null);

    public static Outcome<T> Invalid<T>(string problem) => new(OutcomeKind.Invalid, default, problem);

    public static Outcome<T> NotFound<T>(string? problem = null) => new(OutcomeKind.NotFound, default, problem);

    public static Outcome<T> Conflict<T>(string problem) => new(OutcomeKind.Conflict, default, problem);

    public static Outcome<T> Refused<T>(string? problem = null) => new(OutcomeKind.Refused, default, problem);

    public static Outcome<T> TooLarge<T>(string problem) => new(OutcomeKind.TooLarge, default, problem);
}
