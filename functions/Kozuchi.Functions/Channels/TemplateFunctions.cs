using Kozuchi.Channels.Email;
using Kozuchi.Channels.Line;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Channels;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Channels;

/// <summary><c>GET/PUT /api/templates/{id}</c>: message templates as data, checked before they are stored.</summary>
public sealed class TemplateFunctions(TemplateEditor editor)
{
    [Function("ListTemplates")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "templates")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok(await editor.ListAsync(cancellationToken));

    [Function("GetTemplate")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "templates/{id}")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        await editor.GetAsync(id, cancellationToken) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    [Function("PutTemplate")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> PutAsync([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "templates/{id}")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        (await editor.PutAsync(id, await req.RequiredJsonAsync<TemplateEditor.TemplateRequest>(cancellationToken), cancellationToken)).ToResult();
}

/// <summary>Templates as stored, over the built-in defaults; an edit is compiled before it is saved, with optimistic concurrency.</summary>
public sealed class TemplateEditor(MessageTemplateStore store, TimeProvider time)
{
    /// <summary>What the API returns: the template, and whether it is a built-in default nobody has saved over yet.</summary>
    public sealed record TemplateView(MessageTemplate Template, bool IsDefault);

    /// <summary><see cref="ExpectedRevision"/>: the revision the editor started from (409 if someone saved since); omit to overwrite.</summary>
    public sealed record TemplateRequest(string? Description, EmailTemplateContent? Email, string? Line, int? ExpectedRevision);

    public async Task<IReadOnlyList<TemplateView>> ListAsync(CancellationToken cancellationToken)
    {
        var stored = new List<TemplateView>();
        await foreach (var t in store.ListAsync(cancellationToken))
        {
            stored.Add(new TemplateView(t, false));
        }

        var defaults = DefaultTemplates.All.Where(d => stored.All(s => s.Template.Id != d.Id)).Select(d => new TemplateView(d, true));
        return [.. stored.Concat(defaults).OrderBy(v => v.Template.Id, StringComparer.Ordinal)];
    }

    public async Task<TemplateView?> GetAsync(string id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } stored ? new TemplateView(stored, false)
        : DefaultTemplates.Find(id) is { } builtIn ? new TemplateView(builtIn, true)
        : null;

    public async Task<Outcome<TemplateView>> PutAsync(string id, TemplateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MessageTemplateStore.IsValidId(id))
        {
            return Outcome.Invalid<TemplateView>("A template id is 1-100 ASCII letters, digits, '-' or '_'.");
        }

        if (request.Email is null && request.Line is null)
        {
            return Outcome.Invalid<TemplateView>("A template needs an email part, a line part, or both.");
        }

        if (request.Email is { } email && EmailProblem(email) is { } emailError)
        {
            return Outcome.Invalid<TemplateView>("email: " + emailError);
        }

        if (request.Line is { } line && LineProblem(line) is { } lineError)
        {
            return Outcome.Invalid<TemplateView>("line: " + lineError);
        }

        var saved = await store.SaveAsync(new MessageTemplate { Id = id, Description = request.Description, Email = request.Email, Line = request.Line }, request.ExpectedRevision, time.GetUtcNow(), cancellationToken);
        return saved is null
            ? Outcome.Conflict<TemplateView>($"Template '{id}' was changed since revision {request.ExpectedRevision}; reload it and edit again.")
            : new TemplateView(saved, false);
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
