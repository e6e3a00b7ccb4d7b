namespace Kozuchi.Functions.Hosting.Http;

/// <summary>The response for an application service's <see cref="Outcome{T}"/>: 200 with the value, or 400/404/409/401/413/422/503 with the reason.</summary>
public static class OutcomeResults
{
    public static IResult ToResult<T>(this Outcome<T> outcome) => outcome?.Kind switch
    {
        OutcomeKind.Ok => TypedResults.Ok(outcome.Value),
        OutcomeKind.Invalid => TypedResults.BadRequest(outcome.Problem),
        OutcomeKind.NotFound => outcome.Problem is null ? TypedResults.NotFound() : TypedResults.NotFound(outcome.Problem),
        OutcomeKind.Conflict => TypedResults.Conflict(outcome.Problem),
        OutcomeKind.Refused => TypedResults.Unauthorized(),
        OutcomeKind.TooLarge => TypedResults.Problem(outcome.Problem, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large"),
        OutcomeKind.Unprocessable => TypedResults.Problem(outcome.Problem, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Unprocessable"),
        OutcomeKind.NotConfigured => NotConfigured.Result(outcome.Problem ?? "Not configured."),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };
}

/// <summary>503 for a function whose secret is not set (unset, a placeholder or an unresolved Key Vault reference).</summary>
public static class NotConfigured
{
    public static IResult Result(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not configured");
}
