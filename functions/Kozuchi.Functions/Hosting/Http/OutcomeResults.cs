namespace Kozuchi.Functions.Hosting.Http;

/// <summary>The response for an application service's <see cref="Outcome{T}"/>: 200 with the value, or 400/404/409/401/413 with the reason.</summary>
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
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };
}
