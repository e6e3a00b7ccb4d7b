using Kozuchi.Channels.Email;
using Kozuchi.Channels.Line;
using Kozuchi.Storage.Channels;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kozuchi.Functions.Channels;

/// <summary><c>GET/PUT /api/templates/{id}</c>: message templates as data, checked before they are stored.</summary>
public static class TemplateFunctions
{
    /// <summary>What the API returns: the template, and whether it is a built-in default nobody has saved over yet.</summary>
    public sealed record TemplateView(MessageTemplate Template, bool IsDefault);

    /// <summary><see cref="ExpectedRevision"/>: the revision the editor started from (409 if someone saved since); omit to overwrite.</summary>
    public sealed record TemplateRequest(string? Description, EmailTemplateContent? Email, string? Line, int? ExpectedRevision);

    internal static async Task<Ok<IReadOnlyList<TemplateView>>> ListAsync(MessageTemplateStore store, CancellationToken cancellationToken)
    {
        var stored = new List<TemplateView>();
        await foreach (var t in store.ListAsync(cancellationToken))
        {
            stored.Add(new TemplateView(t, false));
        }

        var defaults = DefaultTemplates.All.Where(d => stored.All(s => s.Template.Id != d.Id)).Select(d => new TemplateView(d, true));
        return TypedResults.Ok<IReadOnlyList<TemplateView>>([.. stored.Concat(defaults).OrderBy(v => v.Template.Id, StringComparer.Ordinal)]);
    }

    internal static async Task<Results<Ok<TemplateView>, NotFound>> GetAsync(string id, MessageTemplateStore store, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is { } stored)
        {
            return TypedResults.Ok(new TemplateView(stored, false));
        }

        return DefaultTemplates.Find(id) is { } builtIn ? TypedResults.Ok(new TemplateView(builtIn, true)) : TypedResults.NotFound();
    }

    internal static async Task<Results<Ok<TemplateView>, BadRequest<string>, Conflict<string>>> PutAsync(string id, TemplateRequest request, MessageTemplateStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!MessageTemplateStore.IsValidId(id))
        {
            return TypedResults.BadRequest("A template id is 1-100 ASCII letters, digits, '-' or '_'.");
        }

        if (request.Email is null && request.Line is null)
        {
            return TypedResults.BadRequest("A template needs an email part, a line part, or both.");
        }

        if (request.Email is { } email && EmailProblem(email) is { } emailError)
        {
            return TypedResults.BadRequest("email: " + emailError);
        }

        if (request.Line is { } line && LineProblem(line) is { } lineError)
        {
            return TypedResults.BadRequest("line: " + lineError);
        }

        var saved = await store.SaveAsync(new MessageTemplate { Id = id, Description = request.Description, Email = request.Email, Line = request.Line }, request.ExpectedRevision, time.GetUtcNow(), cancellationToken);
        return saved is null
            ? TypedResults.Conflict($"Template '{id}' was changed since revision {request.ExpectedRevision}; reload it and edit again.")
            : TypedResults.Ok(new TemplateView(saved, false));
    }

    private static string? EmailProblem(EmailTemplateContent email)
    {
        if (string.IsNullOrWhiteSpace(email.Subject) || email.Html is null || email.Text is null)
        {
            return "subject, html and text are required";
        }

        return EmailTemplates.TryCompile(new EmailTemplate(email.Subject, email.Html, email.Text), out _, out var error) ? null : error ?? "does not parse";
    }

    private static string? LineProblem(string line)
    {
        if (line.Length is 0 or > LineMessage.MaxTextLength)
        {
            return $"1 to {LineMessage.MaxTextLength} characters";
        }

        return EmailTemplates.TryCompile(new EmailTemplate("", "", line), out _, out var error) ? null : error ?? "does not parse";
    }
}
